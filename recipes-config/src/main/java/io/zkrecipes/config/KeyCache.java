package io.zkrecipes.config;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.SerialExecutor;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store's live cache, run while the store has subscriptions: one persistent recursive watch on
 * the root, each event re-reads its key, and a state is published only when it is exactly one the
 * server had (the {@link ReadLedger} says when). The first subscription starts it and blocks until
 * the root is read; the last one to close stops it and removes the watch.
 *
 * <p>How it stays exact. Notifications and replies of one session arrive in the order the server
 * produced them, so a read whose reply comes after an event already reflects that event: an event
 * for a key with a read in flight needs no new read (at most one read per key in flight). Reads of
 * a resync count as older than everything, so a resync is published whole. Values only move
 * forward: a read is applied only if its mzxid is newer than the cached one.
 *
 * <p>What a read can answer. No node: the key is gone. No permission ({@code NOAUTH}): the key is
 * left out of the cache as if absent, with one warning, and the rest goes on. Anything else means
 * the connection went: the cache is <em>stale</em> (publishes nothing and lets writers go on
 * without waiting for it) until the resync that the reconnection starts.
 *
 * <p>Threads. The bookkeeping runs under {@code lock}, mostly on ZooKeeper's event thread, O(1)
 * per event, and never waits for a request; connection states arrive as a recipe listener on the
 * session's dispatcher. Publications (building the view, handing it to subscribers, releasing
 * writers) run in order on one serial lane of the client's workers. {@code lifecycle} is held by
 * the first subscriber while the root loads, and while the watch is removed.
 */
final class KeyCache {
    private static final Logger log = LoggerFactory.getLogger(KeyCache.class);

    /** A published state: the entries and their decoded values, both immutable. */
    record View(Map<String, ConfigEntry> entries, Map<String, String> values) {
        static final View EMPTY = new View(Map.of(), Map.of());

        static View of(Map<String, ConfigEntry> entries) {
            Map<String, String> values = new HashMap<>(entries.size() * 2);
            entries.forEach((k, e) -> values.put(k, e.value()));
            return new View(Map.copyOf(entries), Map.copyOf(values));
        }
    }

    private final Session session;
    private final Nodes nodes;
    private final String root;
    private final String prefix;
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener stateListener = (client, state) -> onState(state);
    private final Executor publishing;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet(); // changed under lifecycle
    private final Object lifecycle = new Object();
    private final Object lock = new Object();
    private final CachedEntries entries = new CachedEntries(); // guarded by lock, like all below
    private final ReadLedger ledger = new ReadLedger();
    private final Set<String> unreadable = new HashSet<>();
    private int epoch;
    private boolean running;
    private boolean stale;
    private volatile long watchedSession;
    private volatile boolean loaded;
    private volatile View view = View.EMPTY; // written on the publishing lane

    KeyCache(Session session, Nodes nodes, String root) {
        this.session = session;
        this.nodes = nodes;
        this.root = root;
        this.prefix = root + "/";
        this.publishing = new SerialExecutor(session.workers());
    }

    // ---- what the store asks ----

    /** The last published view while the cache runs and has loaded, else {@code null}: read ZooKeeper. */
    View viewIfLoaded() {
        return loaded ? view : null;
    }

    /** Whether the running cache knows {@code key} exists (readable or not): a write should set, not create. */
    boolean knows(String key) {
        synchronized (lock) {
            return entries.contains(key) || unreadable.contains(key);
        }
    }

    /** The keys the running cache knows exist, or {@code null} when it does not run. */
    Set<String> knownKeys() {
        synchronized (lock) {
            if (!loaded) {
                return null;
            }
            Set<String> keys = entries.keys();
            keys.addAll(unreadable);
            return keys;
        }
    }

    /**
     * Lets the cache catch up with a write that returned, so that reads see it: the write's own
     * events came before its reply. Returns at once when the cache does not run or is stale, as
     * soon as the connection drops (reads then serve the last values until the cache resyncs),
     * and at the latest after a session timeout. The write is applied whatever happens here.
     */
    void awaitOwnWrite() throws InterruptedException {
        CompletableFuture<Void> caughtUp;
        synchronized (lock) {
            if (!running || stale) {
                return;
            }
            caughtUp = ledger.barrier();
            maybePublish();
        }
        awaitWhileConnected(caughtUp);
    }

    // ---- subscriptions ----

    /**
     * Adds a subscriber; the first one starts the cache and blocks until the root is read.
     * {@code requireOpen} runs under the lifecycle lock.
     *
     * @throws io.zkrecipes.core.ZkRecipeException if the root cannot be read before the retry policy's deadline
     */
    ConfigSubscription subscribe(ConfigListener listener, Executor executor, Runnable requireOpen)
            throws InterruptedException {
        synchronized (lifecycle) {
            requireOpen.run();
            if (!loaded) {
                start();
            }
            Subscriber s = new Subscriber(listener, executor, this::unsubscribed);
            subscribers.add(s);
            onLane(() -> s.start(view)); // in order with publications: no change is missed or seen twice
            return s;
        }
    }

    private void unsubscribed(Subscriber s) {
        synchronized (lifecycle) {
            if (subscribers.remove(s) && subscribers.isEmpty() && loaded) {
                stop();
            }
        }
    }

    /** Closes every subscription, the last of which stops the cache. */
    void close() {
        synchronized (lifecycle) {
            List.copyOf(subscribers).forEach(Subscriber::close); // the last one stops the cache
        }
    }

    private void start() throws InterruptedException {
        synchronized (lock) {
            running = true;
            epoch++;
            stale = true;
        }
        onLane(() -> view = View.EMPTY);
        session.addListener(stateListener);
        try {
            nodes.await("subscribe to the configuration", () -> load(false));
            loaded = true;
        } catch (InterruptedException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** Forgets everything, removes the listener and the watch. */
    private void stop() {
        loaded = false;
        synchronized (lock) {
            running = false;
            epoch++;
            entries.clear();
            unreadable.clear();
            ledger.forgetReads();
            ledger.releaseBarriers(KeeperException.create(Code.CONNECTIONLOSS));
        }
        session.removeListener(stateListener);
        removeWatch();
    }

    /**
     * Removes this session's watch on the root. It is the session's, not only this cache's: another
     * cache of this client on the same root is told ({@code PersistentWatchRemoved}) and sets it
     * again. Waits for the answer while connected, so that the server's count is exact on return.
     */
    private void removeWatch() {
        if (session.isClosed()) {
            return;
        }
        CompletableFuture<Void> removed = send(() ->
                session.ops().removeAllWatches(root, Watcher.WatcherType.PersistentRecursive));
        removed.whenComplete((v, failure) -> {
            // NOWATCHER: the session that held the watch is gone, and the watch with it
            if (failure != null && AsyncOps.codeOf(failure) != Code.NOWATCHER) {
                log.debug("Could not remove the watch on {}: {}", root, failure.toString());
            }
        });
        try {
            awaitWhileConnected(removed);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing goes on; the answer comes in the background
        }
    }

    /**
     * Waits for {@code reply} while connected, at most a session timeout (a connection that long
     * without an answer is dropped anyway). Returns at once when the connection drops or the client
     * closes: the reply may then never come, and nothing here depends on it.
     */
    private void awaitWhileConnected(CompletableFuture<?> reply) throws InterruptedException {
        Deadline deadline = Deadline.none().atMost(session.sessionTimeoutNanos());
        try (Wait wait = session.newWait()) {
            reply.whenComplete((v, failure) -> wait.fire());
            boolean inTime = true;
            while (inTime && !reply.isDone() && session.isConnected()) {
                inTime = wait.await(deadline);
            }
        } catch (IllegalStateException clientClosed) {
            // nothing to wait for on a closed client
        }
    }

    // ---- loading and resyncing ----

    /**
     * Sets the watch, then lists and reads every key; completes once that state is published.
     * {@code withSync}: on a new session, which may talk to a server behind the one before.
     */
    private CompletableFuture<Void> load(boolean withSync) {
        long sessionId = session.sessionId();
        // why pipelined: the session applies the watch before the listing, so no change slips between
        CompletableFuture<Void> watched = send(() ->
                session.ops().addWatch(root, watcher, AddWatchMode.PERSISTENT_RECURSIVE));
        CompletableFuture<Void> read = resync(withSync);
        return watched.thenRun(() -> watchedSession = sessionId).thenCompose(v -> read)
                .thenCompose(v -> publishedBarrier());
    }

    /** Completes once the published view covers every event so far; fails if the cache goes stale first. */
    private CompletableFuture<Void> publishedBarrier() {
        synchronized (lock) {
            if (!running || stale) {
                return abandoned();
            }
            CompletableFuture<Void> b = ledger.barrier();
            maybePublish();
            return b;
        }
    }

    /** Re-reads the whole root: completes when every listed key is read, fails if one read fails. */
    private CompletableFuture<Void> resync(boolean withSync) {
        synchronized (lock) {
            if (!running) {
                return abandoned();
            }
            int e = epoch;
            stale = false; // from here the ledger holds publication until the resync is in
            ledger.listingSent();
            if (withSync) {
                send(() -> session.ops().sync(root)); // why not awaited: the session applies it before the listing
            }
            return send(() -> session.ops().getChildren(root, null))
                    .handle((children, failure) -> onListed(e, children, failure))
                    .thenCompose(Function.identity());
        }
    }

    private CompletableFuture<Void> onListed(int e, AsyncOps.Children children, Throwable failure) {
        synchronized (lock) {
            if (e != epoch) {
                return abandoned();
            }
            if (failure != null && AsyncOps.codeOf(failure) != Code.NONODE) {
                ledger.listingFailed();
                goStale(failure);
                return CompletableFuture.failedFuture(failure);
            }
            ledger.listingReplied();
            if (failure != null) {
                entries.removeAll(); // no root: no keys
                unreadable.clear();
                maybePublish();
                return CompletableFuture.completedFuture(null);
            }
            Set<String> listed = new HashSet<>(children.names());
            entries.removeUnlisted(listed, children.stat().getPzxid());
            unreadable.retainAll(listed);
            // why pipelined: all reads go out back to back and cost one round trip together
            CompletableFuture<?>[] reads = listed.stream().map(key -> read(key, ReadLedger.RESYNC))
                    .toArray(CompletableFuture[]::new);
            maybePublish();
            return CompletableFuture.allOf(reads);
        }
    }

    // ---- events and reads ----

    private void onEvent(WatchedEvent event) {
        String path = event.getPath();
        if (event.getType() == EventType.PersistentWatchRemoved) {
            if (root.equals(path)) {
                onWatchRemoved();
            }
            return;
        }
        if (event.getType() == EventType.None || path == null || !path.startsWith(prefix)) {
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
            long at = ledger.event(key);
            // why no read when one is in flight: its reply comes after this event and reflects it
            if (!ledger.reading(key)) {
                read(key, at);
            }
        }
    }

    /** Another cache of this client removed the session's watch on the root: set it again and resync. */
    private void onWatchRemoved() {
        synchronized (lock) {
            if (!running) {
                return;
            }
        }
        logIfFailed(load(false), "set its watch again");
    }

    private CompletableFuture<Void> read(String key, long trigger) {
        int e = epoch;
        ledger.readSent(key, trigger);
        return send(() -> session.ops().getData(prefix + key, null))
                .handle((data, failure) -> onRead(e, key, trigger, data, failure));
    }

    private Void onRead(int e, String key, long trigger, AsyncOps.NodeData data, Throwable failure) {
        synchronized (lock) {
            if (e != epoch) {
                throw new CompletionException(KeeperException.create(Code.CONNECTIONLOSS));
            }
            Code code = failure == null ? Code.OK : AsyncOps.codeOf(failure);
            if (code != Code.OK && code != Code.NONODE && code != Code.NOAUTH) {
                ledger.readFailed(key, trigger);
                goStale(failure);
                throw new CompletionException(failure);
            }
            ledger.readReplied(key, trigger);
            if (code == Code.OK) {
                entries.applyData(key, data);
                unreadable.remove(key);
            } else {
                entries.applyRemoved(key);
                if (code == Code.NONODE) {
                    unreadable.remove(key);
                } else if (unreadable.add(key)) {
                    log.warn("Config key {} under {} is not readable by this client (NOAUTH): left out of the cache",
                            key, root);
                }
            }
            maybePublish();
            return null;
        }
    }

    /** The connection went under a read: publish nothing, and let writers go on, until the next resync. */
    private void goStale(Throwable failure) {
        stale = true;
        ledger.releaseBarriers(KeeperException.create(Code.CONNECTIONLOSS));
        log.debug("Config read under {} failed, the cache resyncs after reconnection: {}", root, failure.toString());
    }

    /** The cache's one reaction to connection states, on the dispatcher: short, sends without waiting. */
    private void onState(ConnectionState state) {
        boolean newSession;
        synchronized (lock) {
            if (!running) {
                return;
            }
            switch (state) {
                case LOST -> {
                    // the watch died with the session; replies still due from it must not count
                    epoch++;
                    ledger.forgetReads();
                    goStale(KeeperException.create(Code.SESSIONEXPIRED));
                    return;
                }
                case RECONNECTED -> newSession = session.sessionId() != watchedSession;
                default -> {
                    return; // SUSPENDED: keep serving the last published values until reconnected
                }
            }
        }
        logIfFailed(newSession ? load(true) : resync(false), "resync");
    }

    // ---- publishing ----

    /** Publishes when the cache is exactly a state of the server (see {@link ReadLedger}). */
    private void maybePublish() {
        if (!running || stale) {
            return;
        }
        List<CompletableFuture<Void>> ready = ledger.takeCovered();
        if (ready == null || (!entries.hasChanges() && ready.isEmpty())) {
            return;
        }
        List<ConfigChange> changes = entries.drainChanges();
        onLane(() -> publish(changes, ready));
    }

    /** On the lane: applies {@code changes} to the view, tells every subscriber, then releases the writers. */
    private void publish(List<ConfigChange> changes, List<CompletableFuture<Void>> barriers) {
        if (!changes.isEmpty()) {
            Map<String, ConfigEntry> next = new HashMap<>(view.entries());
            for (ConfigChange c : changes) {
                if (c.current() == null) {
                    next.remove(c.key());
                } else {
                    next.put(c.key(), c.current());
                }
            }
            View now = View.of(next);
            view = now;
            subscribers.forEach(s -> s.offer(changes, now.values()));
        }
        barriers.forEach(b -> b.complete(null));
    }

    private void onLane(Runnable task) {
        try {
            publishing.execute(task);
        } catch (RejectedExecutionException clientClosed) {
            // the client's workers are gone: nobody listens any more
        }
    }

    // ---- helpers ----

    /** Sends a request; a closed client answers with a failed future instead of throwing. */
    private static <T> CompletableFuture<T> send(Supplier<CompletableFuture<T>> request) {
        try {
            return request.get();
        } catch (IllegalStateException clientClosed) {
            return CompletableFuture.failedFuture(clientClosed);
        }
    }

    /** For work of a stopped cache or of an expired session: whoever waits on it must try again. */
    private static CompletableFuture<Void> abandoned() {
        return CompletableFuture.failedFuture(KeeperException.create(Code.CONNECTIONLOSS));
    }

    private void logIfFailed(CompletableFuture<Void> work, String what) {
        work.whenComplete((v, failure) -> {
            if (failure != null) {
                log.info("Config cache of {} could not {} yet (tries again on reconnection): {}", root, what,
                        failure.toString());
            }
        });
    }
}
