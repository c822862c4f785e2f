package io.zkrecipes.lock;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.EventBus;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.Wait;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every lock kind shares: the acquire loop (deadline, joining again after a session ended,
 * settling a fresh grant), reentrancy, loss on connection changes, the loss callbacks' lane and
 * close. A kind supplies only its ZooKeeper protocol: {@link #grant} and {@link #giveBack}.
 * (The public methods are not final so that each public kind gets its own public copies of them,
 * which reflection on that kind can call.) Thread-safe.
 */
abstract class AbstractLock implements DistributedLock {
    private static final Logger log = LoggerFactory.getLogger(AbstractLock.class);
    /** Lock nodes carry no data: a node's name and its session say everything. */
    static final byte[] NO_DATA = new byte[0];

    private enum Lifecycle { LATENT, LISTENING, CLOSED }

    final Session session;
    private final String path;
    private final String kind;
    private final boolean keepWhileSuspended;
    private final boolean threadOwned;
    private final Executor callbackLane;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final Set<Lease> held = ConcurrentHashMap.newKeySet();
    private final Map<Thread, Lease> byThread = new ConcurrentHashMap<>();
    private final ConnectionStateListener listener = (client, state) -> stateChanged(state);
    private final LockView view = new LockView(this);

    /** Checks the arguments; sends nothing and registers nothing. */
    AbstractLock(ZkClient client, String path, LockOptions options, LockOptions.Ownership ownership, String kind) {
        Objects.requireNonNull(client, "client");
        ZkPaths.validate(path, "path");
        Objects.requireNonNull(options, "options");
        if (path.equals("/")) {
            throw new IllegalArgumentException("path must not be the root '/'");
        }
        if (client.isClosed()) {
            throw new IllegalStateException("client is closed");
        }
        this.session = Session.of(client);
        this.path = path;
        this.kind = kind;
        this.keepWhileSuspended = options.keepsWhileSuspended();
        this.threadOwned = options.ownershipOr(ownership) == LockOptions.Ownership.THREAD;
        this.callbackLane = session.newCallbackLane();
    }

    // ---- what a lock kind supplies -----------------------------------------------------------

    /**
     * One attempt on the current session: waits until granted, the deadline, or (with {@code tryOnly})
     * until another holder is seen. Leaves no node behind unless it returns a lease.
     *
     * @return the hold (made with {@link #newLease}), or {@code null}
     * @throws KeeperException SESSIONEXPIRED when the attempt's session ended (the caller joins
     *         again), a connection failure once the deadline passed, or a refusal
     * @throws IllegalStateException if the client is closed
     */
    abstract Lease grant(Deadline deadline, boolean tryOnly) throws KeeperException, InterruptedException;

    /** Deletes the hold's node on its own session; an unknown outcome goes to the cleanup path. Never blocks long. */
    abstract void giveBack(Lease lease);

    /** The czxid of the newest hold's node now (by reading the lock's nodes), or 0 if nobody holds the lock. */
    abstract long newestHolderZxid() throws KeeperException, InterruptedException;

    /** The czxid of {@code lease}'s node (its fencing token unless a kind says otherwise); 0 if the node is gone. */
    long holdZxid(Lease lease) throws KeeperException, InterruptedException {
        return lease.fencingToken();
    }

    final Lease newLease(String nodePath, long token, long owner, Ticket ticket) {
        return new Lease(this, nodePath, token, owner, ticket, threadOwned ? Thread.currentThread() : null);
    }

    // ---- DistributedLock ---------------------------------------------------------------------

    @Override
    public String path() {
        return path;
    }

    @Override
    public Lease acquire() throws InterruptedException {
        return acquire(Deadline.none(), false);
    }

    @Override
    public Optional<Lease> acquire(Duration timeout) throws InterruptedException {
        Require.nonNegative(timeout, "timeout");
        return Optional.ofNullable(acquire(Deadline.after(timeout), false));
    }

    @Override
    public Optional<Lease> tryAcquire() throws InterruptedException {
        return Optional.ofNullable(acquire(Deadline.none(), true));
    }

    @Override
    public LockView asLock() {
        return view;
    }

    @Override
    public boolean requestRevocation() throws InterruptedException {
        requireOpen();
        try {
            long newest = newestHolderZxid();
            return newest != 0 && writeRevocation(newest);
        } catch (KeeperException e) {
            throw new ZkRecipeException("request revocation of " + kind + " " + path, e);
        }
    }

    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        session.removeListener(listener);
        held.forEach(Lease::release);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + kind + " " + path + ", held=" + held.size() + "]";
    }

    // ---- the acquire loop --------------------------------------------------------------------

    private Lease acquire(Deadline deadline, boolean tryOnly) throws InterruptedException {
        requireOpen();
        Lease again = reenter();
        if (again != null) {
            return again;
        }
        long start = System.nanoTime();
        startListening();
        while (true) {
            Lease lease = grantOnSomeSession(deadline, tryOnly);
            if (lease == null) {
                session.events().lockTimedOut(path, EventBus.since(start));
                return null;
            }
            held.add(lease);
            if (settled(lease, deadline)) {
                if (threadOwned) {
                    byThread.put(Thread.currentThread(), lease);
                }
                session.events().lockAcquired(path, EventBus.since(start));
                return lease;
            }
            lease.release(); // lost between the grant and now
            if (tryOnly || deadline.passed()) {
                session.events().lockTimedOut(path, EventBus.since(start));
                return null;
            }
        }
    }

    /** {@link #grant}, joining again on the next session when a session ends under it. */
    private Lease grantOnSomeSession(Deadline deadline, boolean tryOnly) throws InterruptedException {
        while (true) {
            try {
                return grant(deadline, tryOnly);
            } catch (KeeperException e) {
                if (deadline.isTimed() && isConnectionFailure(e)) {
                    return null; // a timed call answers "not now" at its deadline, reachable or not
                }
                if (e.code() != KeeperException.Code.SESSIONEXPIRED) {
                    throw new ZkRecipeException("acquire " + kind + " " + path, e);
                }
                if (tryOnly || !awaitLiveSession(deadline, e)) {
                    return null;
                }
            }
        }
    }

    /**
     * Waits for a live session (the client opens one after the last ended). An untimed call waits
     * as long as the retry policy allows and then throws.
     */
    private boolean awaitLiveSession(Deadline deadline, KeeperException expired) throws InterruptedException {
        Deadline end = deadline.isTimed() ? deadline
                : Deadline.none().atMost(session.settings().retryPolicy().deadline().toNanos());
        try (Wait wait = session.newWait()) {
            while (!session.isLive()) {
                if (!wait.await(end)) {
                    if (deadline.isTimed()) {
                        return false;
                    }
                    throw new ZkRecipeException("acquire " + kind + " " + path, expired);
                }
            }
            return true;
        }
    }

    /** Whether a fresh grant may be handed out: valid, or just disconnected on its own session until that passes. */
    private boolean settled(Lease lease, Deadline deadline) throws InterruptedException {
        try {
            if (!lease.isValid()) {
                try (Wait wait = session.newWait()) {
                    while (!lease.isValid()) {
                        if (lease.isLost() || session.sessionId() != lease.sessionId() || !wait.await(deadline)) {
                            return false;
                        }
                    }
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            lease.release();
            throw e;
        }
        if (lifecycle.get() == Lifecycle.CLOSED) {
            lease.release();
            throw new IllegalStateException(kind + " " + path + " was closed while acquiring");
        }
        return true;
    }

    private Lease reenter() {
        Lease mine = threadOwned ? byThread.get(Thread.currentThread()) : null;
        if (mine == null) {
            return null;
        }
        if (!mine.isValid()) {
            throw new IllegalStateException(kind + " " + path + " was lost while this thread held it;"
                    + " close its lease before acquiring again");
        }
        mine.reenter();
        return mine;
    }

    private void requireOpen() {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException(kind + " " + path + " is closed");
        }
        session.requireOpen();
    }

    // ---- holds and their loss ----------------------------------------------------------------

    /** Registered on the first acquire, so that making a lock sends and registers nothing. */
    private void startListening() {
        if (lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.LISTENING)) {
            session.addListener(listener); // our own reaction: marks holds lost, inline and short
            if (lifecycle.get() == Lifecycle.CLOSED) {
                session.removeListener(listener); // closed meanwhile
            }
        }
    }

    /** Waiters need nothing from here: every state change wakes their {@link Wait}s. */
    private void stateChanged(ConnectionState state) {
        switch (state) {
            case SUSPENDED -> {
                if (!keepWhileSuspended) {
                    held.forEach(lease -> lease.markLost("connection suspended"));
                }
            }
            // only holds of the session that ended: a hold on the next session may already exist
            case LOST -> held.stream().filter(lease -> lease.sessionId() != session.sessionId())
                    .forEach(lease -> lease.markLost("session lost"));
            case CLOSED -> held.forEach(lease -> lease.markLost("client closed"));
            case CONNECTED, RECONNECTED -> { } // a hold lost stays lost
        }
    }

    /** Whether a hold made on session {@code owner} still stands, as far as this client can tell. */
    final boolean stillHolds(long owner) {
        return session.sessionId() == owner && (keepWhileSuspended || session.isConnected());
    }

    /** Called once per hold, when it is given back (by its lease, a failed settle, or close). */
    final void released(Lease lease) {
        held.remove(lease);
        if (lease.owner() != null) {
            byThread.remove(lease.owner(), lease);
        }
        giveBack(lease);
    }

    /** Runs a user's callback (loss, revocation) off the client's threads, in order with this lock's others. */
    final void runCallback(Runnable callback) {
        Runnable quiet = () -> {
            try {
                callback.run();
            } catch (RuntimeException e) {
                log.warn("Callback {} of {} {} failed", callback, kind, path, e);
            }
        };
        try {
            callbackLane.execute(quiet);
        } catch (RejectedExecutionException closed) {
            quiet.run(); // the client is closed and its lanes with it: the caller's own thread it is
        }
    }

    // ---- revocation ------------------------------------------------------------------------------

    /** The node that carries revocation requests: beside the lock's node, as an exclusive lock's node has no children. */
    final String revocationPath() {
        return path + ".revoke";
    }

    /**
     * Writes a request addressed to the holds whose node is no newer than {@code newest}: creates the
     * request node (ephemeral: it lasts while the requester's session does) or writes it if it
     * exists. A retry after a lost reply may write it twice.
     *
     * @return {@code false} if the lock's parent is gone (nobody holds it any more)
     */
    private boolean writeRevocation(long newest) throws KeeperException, InterruptedException {
        byte[] request = Long.toString(newest).getBytes(StandardCharsets.UTF_8);
        String node = revocationPath();
        return session.retry(Deadline.none(), () -> {
            while (true) {
                try {
                    Deadline.none().join(session.ops().create(node, request, CreateMode.EPHEMERAL));
                    return true;
                } catch (KeeperException.NoNodeException parentGone) {
                    return false;
                } catch (KeeperException.NodeExistsException made) {
                    try {
                        Deadline.none().join(session.ops().setData(node, request, -1));
                        return true;
                    } catch (KeeperException.NoNodeException gone) {
                        // its requester's session ended in between: make it ours
                    }
                }
            }
        });
    }

    // ---- helpers for the kinds' protocols -----------------------------------------------------

    /** @throws KeeperException SESSIONEXPIRED unless session {@code owner} is still live */
    final void requireSession(long owner, String node) throws KeeperException {
        session.requireOpen();
        if (owner == 0 || session.sessionId() != owner) {
            throw KeeperException.create(KeeperException.Code.SESSIONEXPIRED, node);
        }
    }

    /**
     * Waits until {@code watch} fires. A connection loss alone does not end the wait (ZooKeeper
     * sets the watch again on reconnection); the end of session {@code owner} does, as the watch
     * went with it.
     *
     * @return {@code false} at the deadline
     * @throws KeeperException SESSIONEXPIRED when session {@code owner} is no longer live
     */
    final boolean awaitEvent(NodeWatch watch, long owner, String node, Deadline deadline)
            throws KeeperException, InterruptedException {
        while (!watch.fired) {
            requireSession(owner, node);
            if (!watch.wait.await(deadline)) {
                return watch.fired;
            }
        }
        return true;
    }

    /** Drops a watch we no longer wait on (client side; a late event only wakes a closed wait). */
    final void forgetWatch(String node, NodeWatch watch, Watcher.WatcherType type) {
        if (!session.isClosed()) {
            session.ops().removeWatches(node, watch, type);
        }
    }

    static boolean isConnectionFailure(KeeperException e) {
        return e.code() == KeeperException.Code.CONNECTIONLOSS || e.code() == KeeperException.Code.OPERATIONTIMEOUT;
    }

    /** A one-shot node or children watch that wakes a {@link Wait}, telling a node event from a connection change. */
    static final class NodeWatch implements Watcher {
        private final Wait wait;
        private volatile boolean fired;

        NodeWatch(Wait wait) {
            this.wait = wait;
        }

        @Override
        public void process(WatchedEvent event) {
            if (event.getType() != Event.EventType.None) {
                fired = true;
            }
            wait.fire();
        }
    }
}
