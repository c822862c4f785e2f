package io.zkrecipes.config;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's live cache: one persistent recursive watch on the root; each event re-reads its key.
 *
 * <p>How it stays exact. Notifications and replies of one session arrive in the order the server
 * produced them, so a read whose reply comes after an event already reflects that event. Hence:
 * an event for a key with a read outstanding needs no new read (coalescing: at most one read per
 * key in flight), and once no read is outstanding for an event older than the last reply, the
 * cache holds exactly the server's state as of that reply: only then is it published. A
 * transaction ({@code multi}) is thus never published in part. Positions in the stream are counted
 * by {@code seq}. Reads of a resync count as older than everything, so a resync is published whole.
 * Values only move forward: a read is applied only if its mzxid is newer than the cached one.
 *
 * <p>The bookkeeping runs under {@code lock}, mostly on ZooKeeper's event thread, and is O(1) per
 * event; building snapshots and calling listeners happens on the {@link Publisher}'s threads.
 * The stream positions are kept by {@link ReadLedger}, the entries by {@link CachedEntries}.
 */
final class KeyCache {
    private static final Logger log = LoggerFactory.getLogger(KeyCache.class);

    private final ZkClient client;
    private final String root;
    private final String prefix;
    private final Publisher publisher;
    private final RootReads reads;
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener stateListener = (c, state) -> onState(state);
    private final Object lock = new Object();
    private final CachedEntries entries = new CachedEntries();
    private final ReadLedger ledger = new ReadLedger();
    private int epoch;
    private boolean running;
    private boolean stale;
    private long watchedSession;

    KeyCache(ZkClient client, String root, Publisher publisher) {
        this.client = client;
        this.root = root;
        this.prefix = root + "/";
        this.publisher = publisher;
        this.reads = new RootReads(client, root);
    }

    /** Starts listening for connection states; {@link #load()} then sets the watch and reads. */
    void start() {
        synchronized (lock) {
            running = true;
            epoch++;
            stale = true;
        }
        client.addListener(stateListener);
    }

    /**
     * Adds the watch, then lists and reads every key; completes once that state is published.
     * {@code withSync}: on a new session, which may talk to a server behind the one before.
     */
    CompletableFuture<Void> load(boolean withSync) {
        long session = client.sessionId();
        // why pipelined: the session applies the watch before the listing, so no change slips between
        CompletableFuture<Void> watched = RootWatches.acquire(client, root, watcher);
        CompletableFuture<Void> read = resync(withSync);
        return watched.thenRun(() -> watchedSession = session).thenCompose(v -> read).thenCompose(v -> barrier());
    }

    /** Stops: forgets everything, removes the listener and the watch (the returned future). */
    CompletableFuture<Void> stop() {
        synchronized (lock) {
            running = false;
            epoch++;
            entries.clear();
            ledger.clear();
        }
        client.removeListener(stateListener);
        return RootWatches.release(client, root, watcher);
    }

    /** The keys the cache holds now (possibly ahead of the published view). */
    Set<String> keys() {
        synchronized (lock) {
            return entries.keys();
        }
    }

    /**
     * Completes once the published view reflects every event received so far. A writer calls it
     * after its write returned: the write's own events came before its reply.
     */
    CompletableFuture<Void> barrier() {
        synchronized (lock) {
            if (!running) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> b = ledger.barrier();
            maybePublish();
            return b;
        }
    }

    private void onEvent(WatchedEvent event) {
        String path = event.getPath();
        if (event.getType() == Watcher.Event.EventType.None || path == null || !path.startsWith(prefix)) {
            return;
        }
        String key = path.substring(prefix.length());
        if (key.isEmpty() || key.indexOf('/') >= 0) {
            return; // the root itself or a node below a key: not configuration
        }
        synchronized (lock) {
            if (!running) {
                return;
            }
            long at = ledger.event();
            // why no read when one is outstanding: its reply comes after this event and reflects it
            if (!ledger.reading(key)) {
                read(key, at, null);
            }
        }
    }

    private void read(String key, long trigger, ResyncRun run) {
        int e = epoch;
        ledger.readSent(key, trigger);
        if (run != null) {
            run.readSent();
        }
        reads.read(key).whenComplete((data, failure) -> onRead(e, key, trigger, run, data, failure));
    }

    private void onRead(int e, String key, long trigger, ResyncRun run, AsyncOps.NodeData data, Throwable failure) {
        synchronized (lock) {
            if (e != epoch) {
                ResyncRun.abandon(run);
                return;
            }
            ledger.readReplied(key, trigger);
            if (failure == null) {
                entries.applyData(key, data);
            } else if (AsyncOps.codeOf(failure) == Code.NONODE) {
                entries.applyRemoved(key);
            } else {
                failed(run, failure);
            }
            finish(run);
            maybePublish();
        }
    }

    /** Publishes when the cache is exactly the server's state at the last reply (see the class doc). */
    private void maybePublish() {
        if (!running || stale) {
            return;
        }
        List<CompletableFuture<Void>> ready = ledger.takeCovered();
        if (ready == null || (!entries.hasChanges() && ready.isEmpty())) {
            return;
        }
        publisher.publish(entries.drainChanges(), ready);
    }

    /** Re-reads the whole root; {@code withSync} first catches the server up (a new session may lag). */
    CompletableFuture<Void> resync(boolean withSync) {
        synchronized (lock) {
            ResyncRun run = new ResyncRun();
            if (!running) {
                run.done.complete(null);
                return run.done;
            }
            int e = epoch;
            ledger.listingSent();
            try {
                reads.list(withSync).whenComplete((children, failure) -> onListed(e, run, children, failure));
            } catch (IllegalStateException clientClosed) {
                run.done.completeExceptionally(clientClosed);
            }
            return run.done;
        }
    }

    private void onListed(int e, ResyncRun run, AsyncOps.Children children, Throwable failure) {
        synchronized (lock) {
            if (e != epoch) {
                ResyncRun.abandon(run);
                return;
            }
            ledger.listingReplied();
            if (failure == null) {
                Set<String> listed = new HashSet<>(children.names());
                entries.removeUnlisted(listed, children.stat().getPzxid());
                // why pipelined: all reads go out back to back and cost one round trip together
                listed.forEach(key -> read(key, ReadLedger.RESYNC, run));
            } else if (AsyncOps.codeOf(failure) == Code.NONODE) {
                entries.removeAll(); // no root: no keys
            } else {
                failed(run, failure);
            }
            finish(run);
            maybePublish();
        }
    }

    private void failed(ResyncRun run, Throwable failure) {
        // a change may be missed until the next resync (after reconnection): publish nothing till then
        stale = true;
        if (run != null) {
            run.failed(failure);
        }
        log.debug("Config read under {} failed: {}", root, failure.toString());
    }

    private void finish(ResyncRun run) {
        if (run == null || !run.lastReplied()) {
            return;
        }
        if (run.succeeded()) {
            stale = false; // before completing: whoever waits may publish at once
        }
        run.complete();
    }

    private void onState(ConnectionState state) {
        synchronized (lock) {
            if (!running || (state != ConnectionState.LOST && state != ConnectionState.RECONNECTED)) {
                return; // SUSPENDED: keep serving the last published values until reconnected
            }
            if (state == ConnectionState.LOST) {
                // the watch died with the session; replies still due from it must not count
                epoch++;
                ledger.forgetReads();
                stale = true;
                return;
            }
        }
        boolean sameSession = client.sessionId() == watchedSession;
        CompletableFuture<Void> done = sameSession ? resync(false) : load(true);
        done.whenComplete((v, failure) -> {
            if (failure != null) {
                log.info("Config cache of {} could not resync yet (will retry on reconnection): {}", root,
                        failure.toString());
            }
        });
    }
}
