package io.zkrecipes.config;

import io.zkrecipes.core.AsyncOps;
import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
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
 */
final class KeyCache {
    private static final Logger log = LoggerFactory.getLogger(KeyCache.class);
    /** Trigger of resync reads: older than any event, so nothing is published before they are in. */
    private static final long RESYNC = Long.MIN_VALUE;

    private record Barrier(long seq, CompletableFuture<Void> future) {
    }

    /** One full re-read of the root: completes when every read of it has been applied. */
    private static final class Resync {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        int outstanding = 1; // the listing
        Throwable failure;
    }

    private final ZkClient client;
    private final String root;
    private final String prefix;
    private final Publisher publisher;
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener stateListener = (c, state) -> onState(state);
    private final Object lock = new Object();
    private final Map<String, ConfigEntry> entries = new HashMap<>();
    private final Map<String, Integer> reading = new HashMap<>();
    private final TreeMap<Long, Integer> triggers = new TreeMap<>();
    private final Map<String, ConfigChange> unpublished = new LinkedHashMap<>();
    private final List<Barrier> barriers = new ArrayList<>();
    private long seq;
    private long lastReplySeq;
    private int epoch;
    private boolean running;
    private boolean stale;
    private long watchedSession;

    KeyCache(ZkClient client, String root, Publisher publisher) {
        this.client = client;
        this.root = root;
        this.prefix = root + "/";
        this.publisher = publisher;
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
            reading.clear();
            triggers.clear();
            unpublished.clear();
            barriers.forEach(b -> b.future().complete(null));
            barriers.clear();
        }
        client.removeListener(stateListener);
        return RootWatches.release(client, root, watcher);
    }

    /** The keys the cache holds now (possibly ahead of the published view). */
    Set<String> keys() {
        synchronized (lock) {
            return new HashSet<>(entries.keySet());
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
            Barrier b = new Barrier(++seq, new CompletableFuture<>());
            barriers.add(b);
            maybePublish();
            return b.future();
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
            long at = ++seq;
            // why no read when one is outstanding: its reply comes after this event and reflects it
            if (reading.getOrDefault(key, 0) == 0) {
                read(key, at, null);
            }
        }
    }

    private void read(String key, long trigger, Resync run) {
        int e = epoch;
        reading.merge(key, 1, Integer::sum);
        triggers.merge(trigger, 1, Integer::sum);
        if (run != null) {
            run.outstanding++;
        }
        sendRead(key).whenComplete((data, failure) -> onRead(e, key, trigger, run, data, failure));
    }

    private CompletableFuture<AsyncOps.NodeData> sendRead(String key) {
        try {
            return client.async().getData(ZkPaths.join(root, key), null);
        } catch (IllegalStateException clientClosed) {
            return CompletableFuture.failedFuture(clientClosed);
        }
    }

    private void onRead(int e, String key, long trigger, Resync run, AsyncOps.NodeData data, Throwable failure) {
        synchronized (lock) {
            if (e != epoch) {
                abandon(run);
                return;
            }
            lastReplySeq = ++seq;
            reading.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
            triggers.computeIfPresent(trigger, (k, n) -> n == 1 ? null : n - 1);
            if (failure == null) {
                applyData(key, data);
            } else if (AsyncOps.codeOf(failure) == Code.NONODE) {
                applyRemoved(key);
            } else {
                failed(run, failure);
            }
            finish(run);
            maybePublish();
        }
    }

    private void applyData(String key, AsyncOps.NodeData data) {
        ConfigEntry old = entries.get(key);
        if (old != null && data.stat().getMzxid() <= old.mzxid()) {
            return; // not newer: a value never goes back
        }
        ConfigEntry now = new ConfigEntry(key, data.data(), data.stat().getVersion(), data.stat().getCzxid(),
                data.stat().getMzxid());
        entries.put(key, now);
        record(key, old, now);
    }

    private void applyRemoved(String key) {
        ConfigEntry old = entries.remove(key);
        if (old != null) {
            record(key, old, null);
        }
    }

    private void record(String key, ConfigEntry old, ConfigEntry now) {
        unpublished.merge(key, new ConfigChange(key, old, now), (first, last) ->
                first.previous() == null && last.current() == null ? null
                        : new ConfigChange(key, first.previous(), last.current()));
    }

    /** Publishes when the cache is exactly the server's state at the last reply (see the class doc). */
    private void maybePublish() {
        if (!running || stale || (!triggers.isEmpty() && triggers.firstKey() < lastReplySeq)) {
            return;
        }
        long covered = triggers.isEmpty() ? seq : triggers.firstKey() - 1;
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (Iterator<Barrier> it = barriers.iterator(); it.hasNext(); ) {
            Barrier b = it.next();
            if (b.seq() <= covered) {
                ready.add(b.future());
                it.remove();
            }
        }
        if (unpublished.isEmpty() && ready.isEmpty()) {
            return;
        }
        List<ConfigChange> changes = List.copyOf(unpublished.values());
        unpublished.clear();
        publisher.publish(changes, ready);
    }

    /** Re-reads the whole root; {@code withSync} first catches the server up (a new session may lag). */
    CompletableFuture<Void> resync(boolean withSync) {
        synchronized (lock) {
            Resync run = new Resync();
            if (!running) {
                run.done.complete(null);
                return run.done;
            }
            int e = epoch;
            triggers.merge(RESYNC, 1, Integer::sum);
            try {
                if (withSync) {
                    client.async().sync(root); // why not awaited: the session applies it before the listing
                }
                client.async().getChildren(root, null).whenComplete((children, failure) ->
                        onListed(e, run, children, failure));
            } catch (IllegalStateException clientClosed) {
                run.done.completeExceptionally(clientClosed);
            }
            return run.done;
        }
    }

    private void onListed(int e, Resync run, AsyncOps.Children children, Throwable failure) {
        synchronized (lock) {
            if (e != epoch) {
                abandon(run);
                return;
            }
            lastReplySeq = ++seq;
            triggers.computeIfPresent(RESYNC, (k, n) -> n == 1 ? null : n - 1);
            if (failure == null) {
                Set<String> listed = new HashSet<>(children.names());
                long pzxid = children.stat().getPzxid();
                for (ConfigEntry cached : List.copyOf(entries.values())) {
                    // a key missing from a listing that is not older than its creation was deleted
                    if (!listed.contains(cached.key()) && pzxid >= cached.czxid()) {
                        applyRemoved(cached.key());
                    }
                }
                // why pipelined: all reads go out back to back and cost one round trip together
                listed.forEach(key -> read(key, RESYNC, run));
            } else if (AsyncOps.codeOf(failure) == Code.NONODE) {
                List.copyOf(entries.keySet()).forEach(this::applyRemoved); // no root: no keys
            } else {
                failed(run, failure);
            }
            finish(run);
            maybePublish();
        }
    }

    private void failed(Resync run, Throwable failure) {
        // a change may be missed until the next resync (after reconnection): publish nothing till then
        stale = true;
        if (run != null && run.failure == null) {
            run.failure = failure;
        }
        log.debug("Config read under {} failed: {}", root, failure.toString());
    }

    /** A read of a stopped cache or of an expired session: whoever waits on it must try again. */
    private static void abandon(Resync run) {
        if (run != null) {
            run.done.completeExceptionally(KeeperException.create(Code.CONNECTIONLOSS));
        }
    }

    private void finish(Resync run) {
        if (run == null || --run.outstanding > 0) {
            return;
        }
        if (run.failure == null) {
            stale = false;
            run.done.complete(null);
        } else {
            run.done.completeExceptionally(run.failure);
        }
    }

    private void onState(ConnectionState state) {
        synchronized (lock) {
            if (!running || (state != ConnectionState.LOST && state != ConnectionState.RECONNECTED)) {
                return; // SUSPENDED: keep serving the last published values until reconnected
            }
            if (state == ConnectionState.LOST) {
                // the watch died with the session; replies still due from it must not count
                epoch++;
                reading.clear();
                triggers.clear();
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
