package io.zkrecipes.state;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.SerialExecutor;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
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
 * A live, local copy of a subtree: every node's data and stat, kept by one persistent recursive
 * watch, with listeners told of every change. The library's one cache: {@link NodeWatcher}, the
 * configuration store and service discovery are built on it.
 *
 * <pre>{@code
 * try (TreeWatcher tasks = TreeWatcher.builder(client, "/tasks").maxDepth(2).build()) {
 *     tasks.addListener(update -> update.events().forEach(e -> System.out.println(e.type() + " " + e.path())));
 *     tasks.start();
 *     tasks.awaitInitialized(Duration.ofSeconds(10));
 *     Map<String, NodeState> now = tasks.snapshot();
 * }
 * }</pre>
 *
 * <p><b>Guarantees.</b> Each published snapshot is a state the subtree really had: the changes of
 * one transaction are never seen in part. Per node, states only move forward, ordered by mzxid and
 * czxid (never by version, which restarts at 0 when a node is created again); a delete and a
 * re-create in between two reads is seen as a change to the new incarnation. A burst of changes may
 * be coalesced, but the latest state always arrives, under sustained writes too. Each listener gets
 * first the whole subtree as it was when it started ({@link TreeUpdate#initial()}), then the
 * changes after it, in zxid order, one update at a time.
 *
 * <p><b>Connection states.</b> While {@code SUSPENDED} the snapshot keeps the last published state.
 * After a reconnection it re-reads the subtree and publishes exactly what differs; after a session
 * expiry ({@code LOST}) it sets its watch again on the new session, syncs the server it talks to,
 * and does the same. Nodes deleted, created or changed meanwhile are all seen.
 *
 * <p><b>Limits.</b> {@link Builder#maxDepth} leaves out nodes deeper than the given level below the
 * root (the root is level 0). {@link Builder#maxNodes} bounds how many nodes the watcher holds: a
 * subtree with more fails with {@link TreeTooLargeException} (from {@link #awaitInitialized},
 * {@link #snapshot()} and {@link #awaitCaughtUp}), checked from a node's child count before its
 * children are listed, so no listing can be larger than the limit; the watcher then stops
 * following. A node this client may not read (ACL) is left out as if absent, with one warning.
 *
 * <p><b>Cost.</b> Loading costs one read per node and one listing per node that has children (all
 * pipelined: about two round trips per level of depth), plus the watch. Afterwards a change costs
 * one notification and one read of the node that changed; nothing is registered again per event.
 * A resync costs what the load did.
 *
 * <p>Thread-safe. Made without any request; {@link #start()} sets the watch. After
 * {@link #close()} every method but {@code close} throws {@link IllegalStateException}.
 */
public final class TreeWatcher implements AutoCloseable {
    /** The default of {@link Builder#maxNodes}. */
    public static final int DEFAULT_MAX_NODES = 10_000;
    /** Up to this many nodes a publication's snapshot copy is short enough for the thread that completed it. */
    private static final int PUBLISH_HERE_MAX_NODES = 1_000;

    /** Receives a watcher's updates: first the whole subtree, then every change. */
    @FunctionalInterface
    public interface Listener {
        /**
         * Called with each update, the first one {@linkplain TreeUpdate#initial() initial}. Calls to
         * one listener never overlap and come in order, never on ZooKeeper's threads; an exception
         * thrown here is logged and does not stop later updates.
         */
        void treeChanged(TreeUpdate update);
    }

    private static final Logger log = LoggerFactory.getLogger(TreeWatcher.class);

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private final Session session;
    private final String root;
    private final int maxDepth;
    private final int maxNodes;
    private final AddWatchMode mode;
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener stateListener = (client, state) -> onState(state);
    private final SerialExecutor publishing;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final Set<Wait> waiters = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private final TreeEntries entries = new TreeEntries(); // guarded by lock, like all below
    private final ReadLedger ledger = new ReadLedger();
    private final Set<String> unreadable = new HashSet<>();
    private final Map<String, Long> deletes = new HashMap<>(); // zxid of a delete notification, until its read
    private int epoch;
    private boolean running;
    private boolean stale;
    private boolean publishedOnce;
    private volatile long watchedSession;
    private volatile KeeperException refusal;
    private volatile TreeTooLargeException tooLarge;
    private volatile boolean initialized; // written on the publishing lane
    private volatile Map<String, NodeState> snapshot = Map.of(); // written on the publishing lane

    private TreeWatcher(Builder b) {
        this.session = b.session;
        this.root = b.root;
        this.maxDepth = b.maxDepth;
        this.maxNodes = b.maxNodes;
        this.mode = b.mode;
        this.publishing = new SerialExecutor(session.workers());
    }

    /**
     * A watcher of {@code root} and everything below it, with the default limits. Sends nothing.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code root} is not a valid path
     */
    public static TreeWatcher create(ZkClient client, String root) {
        return builder(client, root).build();
    }

    /**
     * A builder for a watcher of {@code root}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code root} is not a valid path
     */
    public static Builder builder(ZkClient client, String root) {
        return new Builder(client, root);
    }

    /** The root of the watched subtree. */
    public String root() {
        return root;
    }

    // ---- lifecycle ----

    /**
     * Sets the watch and reads the subtree; returns at once (see {@link #awaitInitialized}). If the
     * ensemble is unreachable, the subtree is read when it returns.
     *
     * @throws IllegalStateException if already started or closed, or if the client is closed
     */
    public void start() {
        session.requireOpen();
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("watcher of " + root + " was already started"
                    + (lifecycle.get() == Lifecycle.CLOSED ? " and closed" : ""));
        }
        synchronized (lock) {
            if (lifecycle.get() == Lifecycle.CLOSED) {
                return; // closed since the check above: it must not follow the tree
            }
            running = true;
            stale = true;
            epoch++;
            // why under the lock: a CONNECTED still on its way to listeners then finds the load
            // sent and sends no second one (see onState)
            session.addListener(stateListener);
            load(false);
        }
    }

    /**
     * Waits until the whole subtree has been read and published, at most {@code timeout}, whatever
     * the network does.
     *
     * @return whether it has
     * @throws IllegalStateException    if not started, or closed, or the client is closed (also while waiting)
     * @throws TreeTooLargeException    if the subtree has more nodes than the watcher's limit
     * @throws ZkRecipeException        if the server refused to let this client read or watch the root
     *                                  ({@code NOAUTH}); it is tried again on the next reconnection
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted while waiting
     */
    public boolean awaitInitialized(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(Require.nonNegative(timeout, "timeout"));
        requireStarted();
        try (Wait wait = session.newWait()) {
            waiters.add(wait);
            try {
                while (!initialized) {
                    requireHealthy();
                    KeeperException refused = refusal;
                    if (refused != null) {
                        throw new ZkRecipeException("watch " + root, refused);
                    }
                    if (!wait.await(deadline)) {
                        return initialized;
                    }
                }
                return true;
            } finally {
                waiters.remove(wait);
            }
        }
    }

    /**
     * Every node of the subtree by path, as last published: an immutable map, empty until the
     * watcher is initialized. Never blocks, sends nothing; answers also while disconnected.
     *
     * @throws IllegalStateException if not started, or closed
     * @throws TreeTooLargeException if the subtree has outgrown the watcher's limit
     */
    public Map<String, NodeState> snapshot() {
        requireHealthy();
        return snapshot;
    }

    /**
     * Waits until the snapshot covers every change this client had been notified of when the call
     * began, at most {@code timeout}. A write's notification reaches its own client before the
     * write's reply, so a write this client made and saw succeed is then in the snapshot: a process
     * reads its own writes. That holds for writes whose reply comes through ZooKeeper's event thread,
     * as the replies of the library's recipes and of every asynchronous call do; a synchronous call
     * on the raw {@code ZooKeeper} handle gets its reply on another thread, possibly before the
     * notification is handled. Returns {@code false} at once while the watcher is disconnected or
     * re-reading the subtree, and as soon as the connection drops while waiting.
     *
     * @return whether the snapshot covers those changes
     * @throws IllegalStateException    if not started, or closed, or the client is closed
     * @throws TreeTooLargeException    if the subtree has outgrown the watcher's limit
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted while waiting
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(Require.nonNegative(timeout, "timeout"));
        requireHealthy();
        CompletableFuture<Void> caughtUp;
        synchronized (lock) {
            if (!running || stale || !session.isConnected()) {
                return false; // also at once while disconnected, whatever the lane has published by now
            }
            caughtUp = ledger.barrier();
            maybePublish();
        }
        try (Wait wait = session.newWait()) {
            caughtUp.whenComplete((v, failure) -> wait.fire());
            while (!caughtUp.isDone() && session.isConnected()) {
                if (!wait.await(deadline)) {
                    return false;
                }
            }
        }
        return caughtUp.isDone() && !caughtUp.isCompletedExceptionally();
    }

    /**
     * Adds a listener on a callback lane of its own: a slow listener delays nothing else. Its first
     * update is the whole subtree (once the watcher is initialized), then every change after it.
     *
     * @throws NullPointerException  if {@code listener} is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        subscribe(listener, session.newCallbackLane());
    }

    /**
     * {@link #addListener(Listener)} on {@code executor}; updates still arrive one at a time, in order.
     *
     * @throws NullPointerException  if an argument is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener, Executor executor) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(executor, "executor");
        subscribe(listener, executor);
    }

    /** Removes every registration of {@code listener} (by {@code equals}); no update starts for it after this returns. */
    public void removeListener(Listener listener) {
        for (Subscriber s : subscribers) {
            if (s.listener.equals(listener)) {
                s.close();
                subscribers.remove(s);
            }
        }
    }

    /**
     * Stops following, removes the watch (waiting for the server's answer while connected, at most a
     * session timeout), and ends the listeners and every waiting call. Idempotent; the client is not closed.
     */
    @Override
    public void close() {
        Lifecycle was = lifecycle.getAndSet(Lifecycle.CLOSED);
        if (was == Lifecycle.CLOSED) {
            return;
        }
        subscribers.forEach(Subscriber::close);
        subscribers.clear();
        if (was == Lifecycle.STARTED) {
            stop();
            awaitWhileConnected(removeWatch());
        }
        waiters.forEach(Wait::fire);
    }

    @Override
    public String toString() {
        return "TreeWatcher[" + root + ", " + lifecycle.get().name().toLowerCase()
                + (initialized ? ", " + snapshot.size() + " nodes" : "") + "]";
    }

    private void subscribe(Listener listener, Executor executor) {
        requireNotClosed();
        Subscriber s = new Subscriber(listener, executor, session.isLibraryExecutor(executor));
        // why under the lock: a publication on the caller's thread (see mayPublishHere) runs under
        // it, so it never meets a subscriber it did not check
        synchronized (lock) {
            subscribers.add(s);
            if (lifecycle.get() == Lifecycle.CLOSED) {
                s.close(); // closed meanwhile, after close() ended the others
                subscribers.remove(s);
                throw new IllegalStateException("watcher of " + root + " is closed");
            }
            onLane(() -> {
                if (initialized) {
                    s.start(snapshot); // in order with publications: no change is missed or seen twice
                }
            });
        }
    }

    private void requireNotClosed() {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("watcher of " + root + " is closed");
        }
    }

    private void requireStarted() {
        requireNotClosed();
        if (lifecycle.get() != Lifecycle.STARTED) {
            throw new IllegalStateException("watcher of " + root + " is not started");
        }
    }

    private void requireHealthy() {
        requireStarted();
        TreeTooLargeException failed = tooLarge;
        if (failed != null) {
            throw failed;
        }
    }

    /** Forgets everything and stops listening to the session. */
    private void stop() {
        synchronized (lock) {
            running = false;
            epoch++;
            entries.clear();
            unreadable.clear();
            deletes.clear();
            ledger.forgetReads();
            ledger.releaseBarriers(KeeperException.create(Code.CONNECTIONLOSS));
        }
        session.removeListener(stateListener);
    }

    /**
     * Removes this session's watch on the root. It is the session's, not only this watcher's: another
     * watcher of this client on the same root and of the same kind is told
     * ({@code PersistentWatchRemoved}) and sets it again.
     */
    private CompletableFuture<Void> removeWatch() {
        if (session.isClosed()) {
            return CompletableFuture.completedFuture(null);
        }
        Watcher.WatcherType type = mode == AddWatchMode.PERSISTENT ? Watcher.WatcherType.Persistent
                : Watcher.WatcherType.PersistentRecursive;
        CompletableFuture<Void> removed = send(() -> session.ops().removeAllWatches(root, type));
        removed.whenComplete((v, failure) -> {
            // NOWATCHER: the session that held the watch is gone, and the watch with it
            if (failure != null && AsyncOps.codeOf(failure) != Code.NOWATCHER) {
                log.debug("Could not remove the watch on {}: {}", root, failure.toString());
            }
        });
        return removed;
    }

    /** Waits for {@code reply} while connected, at most a session timeout; never throws. */
    private void awaitWhileConnected(CompletableFuture<?> reply) {
        Deadline deadline = Deadline.none().atMost(session.sessionTimeoutNanos());
        try (Wait wait = session.newWait()) {
            reply.whenComplete((v, failure) -> wait.fire());
            boolean inTime = true;
            while (inTime && !reply.isDone() && session.isConnected()) {
                inTime = wait.await(deadline);
            }
        } catch (IllegalStateException clientClosed) {
            // nothing to wait for on a closed client
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing goes on; the answer comes in the background
        }
    }

    // ---- loading and resyncing ----

    /**
     * Sets the watch, then reads the whole subtree. {@code withSync}: on a new session, which may
     * talk to a server behind the one before.
     */
    private void load(boolean withSync) {
        long sessionId = session.sessionId();
        // why pipelined: the session applies the watch before the reads, so no change slips between
        send(() -> session.ops().addWatch(root, watcher, mode)).whenComplete((v, failure) -> {
            if (failure == null) {
                watchedSession = sessionId;
            } else if (AsyncOps.codeOf(failure) == Code.NOAUTH) {
                refuse(failure);
            }
        });
        resync(withSync);
    }

    /** Re-reads the whole subtree; nothing is published until every read and listing of it is in. */
    private void resync(boolean withSync) {
        synchronized (lock) {
            if (!running) {
                return;
            }
            stale = false; // from here the ledger holds publication until the resync is in
            if (withSync) {
                send(() -> session.ops().sync(root)); // why not awaited: the session applies it before the reads
            }
            read(root, ReadLedger.RESYNC);
        }
    }

    /** Lists a node whose resync read shows children; reads every child. Under the lock. */
    private void list(String path, int children) {
        long holding = (long) entries.size() - entries.childCount(path) + children;
        if (holding > maxNodes) {
            fail(holding);
            return;
        }
        int e = epoch;
        ledger.listingSent();
        send(() -> session.ops().getChildren(path, null))
                .whenComplete((listed, failure) -> onListed(e, path, listed, failure));
    }

    private void onListed(int e, String path, AsyncOps.Children children, Throwable failure) {
        synchronized (lock) {
            if (e != epoch) {
                return;
            }
            Code code = failure == null ? Code.OK : AsyncOps.codeOf(failure);
            if (code != Code.OK && code != Code.NONODE && code != Code.NOAUTH) {
                ledger.listingFailed();
                goStale(failure);
                return;
            }
            ledger.listingReplied();
            if (code == Code.OK) {
                applyListing(path, children);
            } else if (path.equals(root) && code == Code.NOAUTH) {
                refuse(failure);
                return;
            } // else gone or closed to us since its read: the notification that told us is answered by a read
            maybePublish();
        }
    }

    private void applyListing(String path, AsyncOps.Children children) {
        Set<String> names = new HashSet<>(children.names());
        long holding = (long) entries.size() - entries.childCount(path) + names.size();
        if (holding > maxNodes) {
            fail(holding);
            return;
        }
        entries.removeUnlisted(path, names, children.stat().getPzxid());
        unreadable.removeIf(p -> TreeEntries.isChild(p, path) && !names.contains(ZkPaths.name(p)));
        // why pipelined: all reads go out back to back and cost one round trip together
        names.forEach(name -> read(ZkPaths.join(path, name), ReadLedger.RESYNC));
    }

    // ---- events and reads ----

    private void onEvent(WatchedEvent event) {
        String path = event.getPath();
        EventType type = event.getType();
        if (type == EventType.PersistentWatchRemoved) {
            if (root.equals(path)) {
                onWatchRemoved();
            }
            return;
        }
        // NodeChildrenChanged comes only to a node-only watch, whose children are not followed
        if (type == EventType.None || type == EventType.NodeChildrenChanged || path == null
                || !ZkPaths.isAtOrBelow(path, root) || depth(path) > maxDepth) {
            return;
        }
        synchronized (lock) {
            if (!running) {
                return;
            }
            long at = ledger.event(path);
            if (type == EventType.NodeDeleted && event.getZxid() > 0) {
                deletes.put(path, event.getZxid());
            }
            // why no read when one is in flight: its reply comes after this event and reflects it
            if (!ledger.reading(path)) {
                read(path, at);
            }
        }
    }

    /** Another watcher of this client removed the session's watch on the root: set it again and resync. */
    private void onWatchRemoved() {
        synchronized (lock) {
            if (!running) {
                return;
            }
        }
        load(false);
    }

    /** Reads one node for the event at {@code trigger} (or a resync). Under the lock. */
    private void read(String path, long trigger) {
        int e = epoch;
        ledger.readSent(path, trigger);
        send(() -> session.ops().getData(path, null))
                .whenComplete((data, failure) -> onRead(e, path, trigger, data, failure));
    }

    private void onRead(int e, String path, long trigger, AsyncOps.NodeData data, Throwable failure) {
        synchronized (lock) {
            if (e != epoch) {
                return;
            }
            Code code = failure == null ? Code.OK : AsyncOps.codeOf(failure);
            if (code != Code.OK && code != Code.NONODE && code != Code.NOAUTH) {
                ledger.readFailed(path, trigger);
                goStale(failure);
                return;
            }
            ledger.readReplied(path, trigger);
            Long deletedAt = deletes.remove(path);
            if (code == Code.OK) {
                applyRead(path, trigger, data);
            } else if (code == Code.NONODE) {
                entries.removeSubtree(path, deletedAt == null ? 0 : deletedAt);
                unreadable.removeIf(p -> ZkPaths.isAtOrBelow(p, path));
            } else if (path.equals(root)) {
                refuse(failure);
                return;
            } else {
                entries.removeSubtree(path, deletedAt == null ? 0 : deletedAt);
                if (unreadable.add(path)) {
                    log.warn("Node {} is not readable by this client (NOAUTH): left out of the watcher of {}",
                            path, root);
                }
            }
            maybePublish();
        }
    }

    private void applyRead(String path, long trigger, AsyncOps.NodeData data) {
        unreadable.remove(path);
        if (entries.apply(NodeState.of(path, data)) && entries.size() > maxNodes) {
            fail(entries.size());
            return;
        }
        if (trigger != ReadLedger.RESYNC || depth(path) >= maxDepth) {
            return; // after the load every new node below comes with a notification of its own
        }
        int children = data.stat().getNumChildren();
        if (children == 0) {
            entries.removeUnlisted(path, Set.of(), data.stat().getPzxid());
            unreadable.removeIf(p -> TreeEntries.isChild(p, path));
        } else {
            list(path, children);
        }
    }

    /** The connection went under a read: publish nothing, and let waiters go on, until the next resync. */
    private void goStale(Throwable failure) {
        stale = true;
        ledger.releaseBarriers(KeeperException.create(Code.CONNECTIONLOSS));
        log.debug("A read under {} failed, the watcher resyncs after reconnection: {}", root, failure.toString());
    }

    /** The server refuses to let us read or watch the root: tell the waiters; try again on reconnection. */
    private void refuse(Throwable failure) {
        synchronized (lock) {
            goStale(failure);
        }
        refusal = unwrap(failure) instanceof KeeperException ke ? ke : KeeperException.create(Code.NOAUTH, root);
        waiters.forEach(Wait::fire);
    }

    /** The subtree outgrew the limit: stop following, and say so from every call. Under the lock. */
    private void fail(long count) {
        tooLarge = new TreeTooLargeException(root, maxNodes, count);
        running = false;
        epoch++;
        ledger.releaseBarriers(KeeperException.create(Code.CONNECTIONLOSS));
        log.warn("Watcher of {} stopped: {}", root, tooLarge.getMessage());
        try {
            session.workers().execute(() -> {
                session.removeListener(stateListener);
                removeWatch();
                waiters.forEach(Wait::fire);
            });
        } catch (RejectedExecutionException clientClosed) {
            // the client is closed: its watches and listeners are gone with it
        }
    }

    /** The watcher's one reaction to connection states, on the dispatcher: short, sends without waiting. */
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
                    deletes.clear();
                    goStale(KeeperException.create(Code.SESSIONEXPIRED));
                    return;
                }
                case CONNECTED -> {
                    // the first connection: a load sent before it is applied on it, unless it failed
                    if (!stale) {
                        return;
                    }
                    newSession = session.sessionId() != watchedSession;
                }
                case RECONNECTED -> newSession = session.sessionId() != watchedSession;
                default -> {
                    return; // SUSPENDED: keep serving the last published state until reconnected
                }
            }
        }
        refusal = null;
        if (newSession) {
            load(true);
        } else {
            resync(false);
        }
    }

    // ---- publishing ----

    /** Publishes when the cache is exactly a state of the server (see {@link ReadLedger}). Under the lock. */
    private void maybePublish() {
        if (!running || stale) {
            return;
        }
        List<CompletableFuture<Void>> ready = ledger.takeCovered();
        if (ready == null || (publishedOnce && !entries.hasChanges() && ready.isEmpty())) {
            return;
        }
        publishedOnce = true;
        List<TreeEvent> changes = entries.drainChanges();
        Runnable task = () -> publish(changes, ready);
        if (mayPublishHere()) {
            // why: a hand-off to the lane costs a thread wake per change; this thread only hands
            // each listener its update on the listener's own lane, and runs no user code
            publishing.executeHereIfIdle(task);
        } else {
            onLane(task);
        }
    }

    /**
     * Whether publishing on the calling thread is short and runs no user code: a small tree (as it
     * is after these changes), the library's executors only. Under the lock, as is subscribing.
     */
    private boolean mayPublishHere() {
        if (entries.size() > PUBLISH_HERE_MAX_NODES) {
            return false;
        }
        for (Subscriber s : subscribers) {
            if (!s.onLibraryLane) {
                return false;
            }
        }
        return true;
    }

    /** On the lane: applies {@code changes} to the snapshot, tells every listener, then releases the waiters. */
    private void publish(List<TreeEvent> changes, List<CompletableFuture<Void>> barriers) {
        if (!changes.isEmpty()) {
            Map<String, NodeState> next = new HashMap<>(snapshot);
            for (TreeEvent c : changes) {
                if (c.current() == null) {
                    next.remove(c.path());
                } else {
                    next.put(c.path(), c.current());
                }
            }
            snapshot = Map.copyOf(next);
        }
        Map<String, NodeState> now = snapshot;
        subscribers.forEach(s -> s.offer(changes, now));
        if (!initialized) {
            initialized = true;
            waiters.forEach(Wait::fire);
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

    /** The level of {@code path} below the root (the root is 0). */
    private int depth(String path) {
        int d = 0;
        for (int i = root.equals("/") ? 0 : root.length(); i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                d++;
            }
        }
        return path.equals(root) ? 0 : d;
    }

    /** Sends a request; a closed client answers with a failed future instead of throwing. */
    private static <T> CompletableFuture<T> send(Supplier<CompletableFuture<T>> request) {
        try {
            return request.get();
        } catch (IllegalStateException clientClosed) {
            return CompletableFuture.failedFuture(clientClosed);
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Options of a {@link TreeWatcher}. Each is checked as it is set, with a message naming it and the
     * rule.
     */
    public static final class Builder {
        private final Session session;
        private final String root;
        private int maxDepth = Integer.MAX_VALUE;
        private int maxNodes = DEFAULT_MAX_NODES;
        private AddWatchMode mode = AddWatchMode.PERSISTENT_RECURSIVE;

        private Builder(ZkClient client, String root) {
            Objects.requireNonNull(client, "client");
            this.root = ZkPaths.validate(root, "root");
            this.session = Session.of(client);
        }

        /**
         * Follows nodes down to {@code depth} levels below the root (0: the root alone, 1: the root and
         * its children). Default: no limit.
         *
         * @throws IllegalArgumentException if {@code depth} is negative
         */
        public Builder maxDepth(int depth) {
            this.maxDepth = Require.atLeast(depth, 0, "maxDepth");
            return this;
        }

        /**
         * The most nodes the watcher holds, the root included (default {@link #DEFAULT_MAX_NODES}, 10,000).
         * Past it the watcher fails with {@link TreeTooLargeException} rather than holding part of the
         * subtree. With the default, any listing fits in the client's default packet limit (1 MB) as
         * long as the children's names average under about 100 bytes.
         *
         * @throws IllegalArgumentException if {@code nodes} is less than 1
         */
        public Builder maxNodes(int nodes) {
            this.maxNodes = Require.atLeast(nodes, 1, "maxNodes");
            return this;
        }

        /** A watch of the root alone (no children events), for {@link NodeWatcher}. */
        Builder nodeOnly() {
            this.maxDepth = 0;
            this.mode = AddWatchMode.PERSISTENT;
            return this;
        }

        /** The watcher; sends nothing. */
        public TreeWatcher build() {
            return new TreeWatcher(this);
        }
    }
}
