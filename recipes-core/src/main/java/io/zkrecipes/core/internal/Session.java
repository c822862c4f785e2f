package io.zkrecipes.core.internal;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.RecipeEvents;
import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkCall;
import io.zkrecipes.core.ZkClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session model of one {@link ZkClient}, which every recipe asks and none re-implements:
 * the current ZooKeeper session and its generation, whether it is live, the one {@link Wait},
 * the one retry loop, the one cleanup path and the listener bus. Not part of the API.
 *
 * <p>The session is <em>live</em> while connected, and while disconnected for less than the
 * negotiated session timeout. Past that timeout, on expiry, on an authentication failure and
 * after close it is not: {@link #sessionId()} reads 0 and {@link ConnectionState#LOST} is
 * published even before a server can say {@code Expired}, so a partitioned holder stops
 * believing in its lock within a session timeout. A new session is then opened.
 */
public final class Session {
    private static final Logger log = LoggerFactory.getLogger(Session.class);
    private static volatile Function<ZkClient, Session> access;

    private static final Executor IN_PLACE = Runnable::run;
    private final Settings settings;
    private final Consumer<ConnectionState> onState;
    private final StateBus bus;
    private final EventBus events = new EventBus();
    private final RetryLoop retryLoop;
    private final Cleanup cleanup;
    private final AsyncOps ops;
    private final ScheduledExecutorService timer;
    private final ExecutorService workers;
    private final Set<Wait> waits = ConcurrentHashMap.newKeySet();
    private final Set<CompletableFuture<?>> replies = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private volatile ZooKeeper handle;
    private volatile long liveSessionId;
    private volatile boolean closed;
    private int generation;
    private boolean connected;
    private boolean everConnected;
    private boolean interrupted;
    private boolean lost;
    private ScheduledFuture<?> suspensionEnd;

    /** Made by {@link ZkClient}; {@code onState} sees every state before listeners do. */
    public Session(ZkClient client, Settings settings, Consumer<RequestStats.Type> counter,
            Consumer<ConnectionState> onState) {
        this.settings = settings;
        this.onState = onState;
        this.bus = new StateBus(client);
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("zk-recipes-session"));
        this.workers = Executors.newCachedThreadPool(daemon("zk-recipes-worker"));
        this.retryLoop = new RetryLoop(settings.retryPolicy(), this);
        this.cleanup = new Cleanup(this);
        this.ops = new AsyncOps(this, counter, new NamespaceCreator(settings, this));
    }

    /** Called once, by {@link ZkClient}, so that recipes can reach a client's session. */
    public static void bindAccess(Function<ZkClient, Session> accessor) {
        if (access != null) {
            throw new IllegalStateException("session access is already bound");
        }
        access = accessor;
    }

    /** The session model of {@code client}. */
    public static Session of(ZkClient client) {
        Objects.requireNonNull(client, "client");
        return access.apply(client);
    }

    // ---- liveness --------------------------------------------------------------------------

    /** Whether the current session is live (see the class comment). */
    public boolean isLive() {
        return liveSessionId != 0;
    }

    /** The live session's id, or 0 when no session is live. */
    public long sessionId() {
        return liveSessionId;
    }

    /** Whether requests can be sent right now. */
    public boolean isConnected() {
        synchronized (lock) {
            return connected;
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Counts the sessions opened so far: a node, a lease or a term belongs to one generation. */
    public int generation() {
        synchronized (lock) {
            return generation;
        }
    }

    /** @throws IllegalStateException once the client is closed */
    public void requireOpen() {
        if (closed) {
            throw new IllegalStateException("client is closed");
        }
    }

    /** The session timeout the server granted (the asked one before the first connection). */
    public long sessionTimeoutNanos() {
        ZooKeeper zk = handle;
        int negotiated = zk == null ? 0 : zk.getSessionTimeout();
        return negotiated > 0 ? TimeUnit.MILLISECONDS.toNanos(negotiated) : settings.sessionTimeout().toNanos();
    }

    /** The current session's password, or {@code null} before the first session. */
    public byte[] sessionPassword() {
        ZooKeeper zk = handle;
        return zk == null ? null : zk.getSessionPasswd();
    }

    // ---- the one wait, retry loop and cleanup path ---------------------------------------------

    /** A new wait, woken by every state change until closed. */
    public Wait newWait() {
        Wait wait = new Wait(this);
        waits.add(wait);
        return wait;
    }

    void forget(Wait wait) {
        waits.remove(wait);
    }

    /**
     * Runs {@code call}, retrying connection loss and operation timeouts with backoff until
     * {@code deadline} (untimed: the retry policy's deadline). Anything else is thrown at once.
     */
    public <T> T retry(Deadline deadline, ZkCall<T> call) throws KeeperException, InterruptedException {
        return retryLoop.run(call, deadline, false);
    }

    /** {@link #retry} that also outlives a session expiry: for idempotent work on persistent nodes only. */
    public <T> T retryThroughExpiry(Deadline deadline, ZkCall<T> call) throws KeeperException, InterruptedException {
        return retryLoop.run(call, deadline, true);
    }

    /**
     * Deletes, in the background, the ephemeral node at {@code path} if session {@code owner} still
     * owns it: for a release or give-up whose outcome is unknown. Only ever deletes a node of
     * {@code owner}'s, so a repeated delete can never free another session's node; stops once that
     * session is no longer live (its nodes go with it).
     */
    public void deleteOwned(String path, long owner) {
        cleanup.deleteOwned(path, owner, 0);
    }

    /** {@link #deleteOwned(String, long)} of exactly the node created at zxid {@code czxid}, for fixed names. */
    public void deleteOwned(String path, long owner, long czxid) {
        cleanup.deleteOwned(path, owner, czxid);
    }

    /**
     * Deletes our own node, on its owner's session, without waiting for the reply: the session
     * orders the delete before anything the client sends later, and when the outcome is unknown
     * (connection loss) the cleanup path finishes it. For releases.
     */
    public void release(String path, long owner, long czxid) {
        if (sessionId() != owner) {
            return; // the node goes (or went) with its session
        }
        opsFor(owner).delete(path, -1).whenComplete((done, failure) -> {
            KeeperException.Code code = failure == null ? KeeperException.Code.OK : AsyncOps.codeOf(failure);
            if (code != KeeperException.Code.OK && code != KeeperException.Code.NONODE
                    && code != KeeperException.Code.SESSIONEXPIRED) {
                cleanup.deleteOwned(path, owner, czxid);
            }
        });
    }

    /**
     * Deletes, in the background, every node under {@code parent} whose name starts with the
     * unique {@code prefix} and that session {@code owner} owns: for a create that was given up
     * (or interrupted) with an unknown outcome. Requests are ordered by the session, so a create
     * sent before this call is seen.
     */
    public void deleteOwnedPrefixed(String parent, String prefix, long owner) {
        cleanup.deleteOwnedPrefixed(parent, prefix, owner);
    }

    /**
     * Tracks the future of a request's reply until it completes. {@link #close} fails the ones still
     * open with {@link IllegalStateException}: a closing handle gives up its requests only at its next
     * failed connection attempt, and no caller should wait for that.
     */
    <T> CompletableFuture<T> awaitingReply(CompletableFuture<T> reply) {
        replies.add(reply);
        reply.whenComplete((v, failure) -> replies.remove(reply));
        if (closed) {
            failClosed(reply); // closed meanwhile, after close() failed the others
        }
        return reply;
    }

    private static void failClosed(CompletableFuture<?> reply) {
        reply.completeExceptionally(new IllegalStateException("client is closed"));
    }

    /** Requests on the current session. */
    public AsyncOps ops() {
        return ops;
    }

    /** Requests that run only on session {@code sessionId}: once it is gone they fail with SESSIONEXPIRED. */
    public AsyncOps opsFor(long sessionId) {
        return ops.boundTo(handle, sessionId);
    }

    // ---- listeners -------------------------------------------------------------------------

    /** A recipe's own listener: runs on the dispatcher thread, so it must be short and never block. */
    public void addListener(ConnectionStateListener listener) {
        bus.add(listener, null);
    }

    public void removeListener(ConnectionStateListener listener) {
        bus.remove(listener);
    }

    /**
     * A user listener, on {@code executor} (reached through a lane: see {@link #userLane}) or, when
     * null, on a lane of its own.
     */
    public void addUserListener(ConnectionStateListener listener, Executor executor) {
        bus.add(listener, executor == null ? newCallbackLane() : userLane(executor));
    }

    /**
     * A user's {@link RecipeEvents} listener, on {@code executor} or, when null, on a lane of its own:
     * it gets the connection states and the recipes' events on that one lane, in order.
     */
    public void addEventListener(RecipeEvents listener, Executor executor) {
        // why a user lane: recipes report from ZooKeeper's event thread too
        Executor lane = executor == null ? newCallbackLane() : userLane(executor);
        bus.add(listener, lane);
        events.add(listener, lane);
    }

    public void removeEventListener(RecipeEvents listener) {
        bus.remove(listener);
        events.remove(listener);
    }

    /** Where recipes report what they do; never blocks. */
    public EventBus events() {
        return events;
    }

    /**
     * An executor that runs users' callbacks one at a time, in order, off the dispatcher and off
     * every other lane: a slow callback delays only its own lane.
     */
    public Executor newCallbackLane() {
        return new SerialExecutor(workers);
    }

    /**
     * A lane that runs its tasks one at a time, in order, on a user's {@code executor}, reached
     * through one of this session's lanes: handing it a task never calls the user's executor on
     * the caller's thread (ZooKeeper's event thread, say), which may run the task at once.
     */
    public Executor userLane(Executor executor) {
        SerialExecutor onUsers = new SerialExecutor(executor);
        Executor hop = newCallbackLane();
        return task -> hop.execute(() -> onUsers.execute(task));
    }

    /**
     * Whether {@code executor} is the library's own, never a user's: one of this session's
     * callback lanes (a task handed to one runs on the client's pool), or {@link #inPlace()} (for
     * the library's own short code).
     */
    public boolean isLibraryExecutor(Executor executor) {
        return executor == IN_PLACE || executor instanceof SerialExecutor lane && lane.runsOn(workers);
    }

    /**
     * Runs a task on the calling thread. For the library's own short listeners of another recipe
     * (a cache's update turned into events and handed to the user's lanes), saving a hand-off.
     */
    public static Executor inPlace() {
        return IN_PLACE;
    }

    /** The client's pool for the library's own background work. */
    public Executor workers() {
        return workers;
    }

    // ---- settings --------------------------------------------------------------------------

    public List<ACL> aclFor(String path) {
        return settings.aclProvider().aclFor(path);
    }

    public int maxDataBytes() {
        return settings.maxDataBytes();
    }

    public Settings settings() {
        return settings;
    }

    // ---- the handle ------------------------------------------------------------------------

    /** Opens the first session. */
    public void open() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            int gen = ++generation;
            lost = false;
            try {
                ZooKeeper zk = new ZooKeeper(settings.chrootedConnectString(),
                        (int) settings.sessionTimeout().toMillis(), event -> onEvent(gen, event), false,
                        settings.clientConfig());
                if (settings.hasCredentials()) {
                    zk.addAuthInfo("digest", settings.digest().getBytes(StandardCharsets.UTF_8));
                }
                handle = zk;
            } catch (IOException e) {
                throw new IllegalStateException("cannot open a ZooKeeper handle for " + settings, e);
            }
        }
    }

    /** The current handle (it may be closed, or not yet connected). */
    ZooKeeper handle() {
        requireOpen();
        return handle;
    }

    /** The raw handle of the current session, for what the library does not wrap. */
    public ZooKeeper rawHandle() {
        return handle();
    }

    /** Waits until connected, at most {@code nanos}; returns whether connected. */
    public boolean awaitConnected(long nanos) throws InterruptedException {
        Deadline deadline = Deadline.none().atMost(nanos);
        try (Wait wait = newWait()) {
            while (!isConnected()) {
                if (!wait.await(deadline)) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Closes the session and delivers CLOSED after every state before it. Waits and requests still
     * waiting for a reply fail with {@link IllegalStateException} at once, before the handle closes.
     */
    public void close() throws InterruptedException {
        ZooKeeper zk;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            connected = false;
            liveSessionId = 0;
            generation++;
            zk = handle;
        }
        wakeAll();
        replies.forEach(Session::failClosed);
        timer.shutdownNow();
        try {
            if (zk != null) {
                zk.close();
            }
        } finally {
            onState.accept(ConnectionState.CLOSED);
            bus.closeAfter(ConnectionState.CLOSED, workers::shutdown); // lanes finish what they were handed
        }
    }

    private void onEvent(int gen, WatchedEvent event) {
        if (event.getType() != Watcher.Event.EventType.None) {
            return;
        }
        synchronized (lock) {
            if (gen != generation || closed || lost) {
                return;
            }
            switch (event.getState()) {
                case SyncConnected, ConnectedReadOnly -> connectedNow();
                case Disconnected -> disconnectedNow(gen);
                case Expired -> lose(gen, "the session expired");
                case AuthFailed -> lose(gen, "authentication failed");
                default -> log.debug("Session event {}", event);
            }
        }
        wakeAll();
    }

    private void connectedNow() {
        if (connected) {
            return;
        }
        connected = true;
        liveSessionId = handle.getSessionId();
        cancelSuspensionEnd();
        if (!everConnected) {
            everConnected = true;
            publish(ConnectionState.CONNECTED);
        } else if (interrupted) {
            interrupted = false;
            publish(ConnectionState.RECONNECTED);
        }
    }

    private void disconnectedNow(int gen) {
        if (!connected) {
            return;
        }
        connected = false;
        interrupted = true;
        publish(ConnectionState.SUSPENDED);
        // The server expires the session one timeout after it last heard from us: from then on,
        // believe nothing of it, even though no server can tell us so until we reconnect.
        suspensionEnd = timer.schedule(() -> suspendedTooLong(gen), sessionTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    private void suspendedTooLong(int gen) {
        synchronized (lock) {
            if (gen != generation || closed || connected || lost) {
                return;
            }
            lose(gen, "the connection was lost for longer than the session timeout");
        }
        wakeAll();
    }

    /** The session is gone: say LOST, then open a new session (in the background). */
    private void lose(int gen, String why) {
        log.warn("ZooKeeper session 0x{} lost: {} ({})", Long.toHexString(handle.getSessionId()), why, settings);
        connected = false;
        interrupted = true;
        liveSessionId = 0;
        lost = true; // late events of the dead handle are ignored from here on
        cancelSuspensionEnd();
        publish(ConnectionState.LOST);
        ZooKeeper dead = handle;
        // a refused authentication would be refused again at once: do not reopen in a tight loop
        long pause = why.startsWith("authentication") ? settings.retryPolicy().maxPause().toNanos() : 0;
        timer.schedule(() -> reopen(dead), pause, TimeUnit.NANOSECONDS);
    }

    private void reopen(ZooKeeper dead) {
        try {
            dead.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        log.info("Opening a new ZooKeeper session ({})", settings);
        open();
    }

    private void cancelSuspensionEnd() {
        if (suspensionEnd != null) {
            suspensionEnd.cancel(false);
            suspensionEnd = null;
        }
    }

    private void publish(ConnectionState state) {
        onState.accept(state);
        bus.publish(state);
    }

    private void wakeAll() {
        for (Wait wait : waits) {
            wait.fire();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
