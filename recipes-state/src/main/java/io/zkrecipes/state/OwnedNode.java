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
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ephemeral node that this process keeps in place, with data it can rewrite at any time:
 * a worker's progress report, a member's address, a heartbeat.
 *
 * <pre>{@code
 * try (OwnedNode node = OwnedNode.create(client, "/workers/w-7", bytes("starting"))) {
 *     node.start();
 *     node.awaitSynced(Duration.ofSeconds(5));
 *     for (Task t : tasks) {
 *         run(t);
 *         node.setData(bytes("done " + t.id()));   // returns at once
 *     }
 * }                                               // the node is deleted
 * }</pre>
 *
 * <p><b>What it keeps.</b> After {@link #start()} the node is created (its missing parents as
 * containers) as soon as the ensemble is reachable. {@link #setData} replaces the wanted data and
 * returns at once; the node is rewritten in the background, and only the latest data counts:
 * reports made while the connection is down are written once it is back, the last one only.
 *
 * <p><b>Connection states.</b> On {@code SUSPENDED} nothing is sent: the node lives as long as the
 * session. On a reconnection with the same session nothing is re-created (pending data is
 * written). After {@code LOST} the node went with its session: it is created again, once, on the
 * next session, with the latest data ({@link Listener#lost()}, then {@link Listener#recreated}).
 * A node deleted by someone else while its session lives is noticed at the next write and created
 * again.
 *
 * <p><b>Another holder.</b> When another session (or another owner on this client) holds the
 * path, this object never deletes or overwrites that node: it reports the holder
 * ({@link #heldByAnother()}, {@link Listener#heldByAnother}), watches the node, and creates its
 * own as soon as the other one goes. The wait costs one watch, and one read each time the
 * holder's node changes.
 *
 * <p><b>Safety.</b> Every request goes on the session that owns (or is to own) the node, so
 * nothing of an old session is ever touched from a new one. A create whose reply was lost is
 * recognised by the node's ephemeral owner and adopted, never repeated into a second node. Writes
 * and the final delete carry the node's version; a delete whose outcome is unknown, and the node
 * of a create whose outcome is unknown when {@link #close()} comes, go to the client's cleanup
 * path, which deletes a node only after a read shows this session still owns it.
 *
 * <p><b>Costs.</b> One create per session (one round trip); one write per {@link #setData}
 * reaching the ensemble (reports coalesce while a write is in flight or the connection is down);
 * one delete on {@link #close()}. No watch is held on the node itself.
 *
 * <p>Thread-safe. Made without any request. Listeners run on a lane of their own (or the executor
 * given with them), one event at a time and in order, off the client's threads.
 */
public final class OwnedNode implements AutoCloseable {
    /** Told what happens to the node. Every method does nothing by default. */
    public interface Listener {
        /** The node was created for the first time, in session {@code sessionId}. */
        default void created(long sessionId) {
        }

        /** The node was created again, in session {@code sessionId}, after it was {@link #lost()}. */
        default void recreated(long sessionId) {
        }

        /** The node went: its session was lost, or someone deleted it. It is created again when it can be. */
        default void lost() {
        }

        /**
         * The path is held by another node, of session {@code ownerSessionId} (0 for a persistent
         * node; this client's own session id when another owner on this client holds it). Told
         * again only when the holder changes. The node is created as soon as that one goes.
         */
        default void heldByAnother(long ownerSessionId) {
        }
    }

    private static final Logger log = LoggerFactory.getLogger(OwnedNode.class);
    /** {@link #heldBy} when no other node is known to hold the path (0 is taken: a persistent node). */
    private static final long NOBODY = -1;

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private record Subscriber(Listener listener, Executor lane) {
    }

    private final Session session;
    private final String path;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final Set<Wait> waiters = ConcurrentHashMap.newKeySet();
    private final ConnectionStateListener stateListener = this::stateChanged;
    private final Watcher holderWatch = this::holderChanged;
    private final Executor lane;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final Object lock = new Object();
    // guarded by lock: what the owner wants, and what the runs have reached
    private byte[] data;
    private long dataVersion;
    private long syncedSession;
    private boolean gone;
    // written by the runs, read by anyone
    private volatile long ownSession;
    private volatile long heldBy = NOBODY;
    private volatile KeeperException refusal;
    // the runs' own
    private long ownCzxid;
    private int ownVersion;
    private long writtenVersion = -1;
    private long createUnknownOn;
    private long createUnknownVersion;
    private boolean everOwned;

    private OwnedNode(Session session, String path, byte[] data) {
        this.session = session;
        this.path = path;
        this.data = data;
        this.lane = new SerialExecutor(session.workers());
    }

    /**
     * An owned node at {@code path} (in the client's namespace) with {@code data} as its first
     * data (copied). Sends nothing and registers nothing.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path or is {@code /}, or
     *                                  {@code data} is over the client's data limit
     * @throws IllegalStateException    if the client is closed
     */
    public static OwnedNode create(ZkClient client, String path, byte[] data) {
        Objects.requireNonNull(client, "client");
        ZkPaths.validate(path, "path");
        if (path.equals("/")) {
            throw new IllegalArgumentException("path must not be '/': an owned node needs a name of its own");
        }
        Session session = Session.of(client);
        byte[] copy = checked(session, data);
        session.requireOpen();
        return new OwnedNode(session, path, copy);
    }

    /**
     * Starts keeping the node; returns at once. It is created now, or when the ensemble becomes
     * reachable (see {@link #awaitSynced}).
     *
     * @throws IllegalStateException if already started or closed, or if the client is closed
     */
    public void start() {
        session.requireOpen();
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException(this + " was already started"
                    + (lifecycle.get() == Lifecycle.CLOSED ? " and closed" : ""));
        }
        session.addListener(stateListener);
        kick();
    }

    /**
     * Replaces the node's data (copied) and returns at once; the node is rewritten in the
     * background, and a new session creates it with this data. Of several calls made before a
     * write goes out, only the last one is written.
     *
     * @throws NullPointerException     if {@code data} is null
     * @throws IllegalArgumentException if {@code data} is over the client's data limit
     * @throws IllegalStateException    after {@link #close()}
     */
    public void setData(byte[] data) {
        byte[] copy = checked(session, data);
        synchronized (lock) {
            requireNotClosed();
            this.data = copy;
            dataVersion++;
            syncedSession = 0;
        }
        kick();
    }

    /** The latest data given (a copy), written or not. */
    public byte[] data() {
        synchronized (lock) {
            return data.clone();
        }
    }

    /** The node's path. */
    public String path() {
        return path;
    }

    /**
     * Whether the node exists in the client's live session, created by this object (its data may
     * still be on its way). Stays true through a short {@code SUSPENDED}. Does not block.
     */
    public boolean isOwned() {
        long own = ownSession;
        return own != 0 && own == session.sessionId() && lifecycle.get() == Lifecycle.STARTED;
    }

    /** Whether {@link #isOwned()} and the node holds the latest data given. Does not block. */
    public boolean isSynced() {
        synchronized (lock) {
            return lifecycle.get() == Lifecycle.STARTED && syncedSession != 0 && syncedSession == session.sessionId();
        }
    }

    /**
     * Waits until {@link #isSynced()}, at most {@code timeout}, whatever the network does. While
     * another session holds the path it keeps waiting (see {@link #heldByAnother()}).
     *
     * @return whether the node is in place with the latest data
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if not started, or closed, or the client is closed (also while waiting)
     * @throws ZkRecipeException        if the server refused the node (for lack of permission on the
     *                                  parent, say); it is tried again on the next connection state change
     * @throws InterruptedException     if interrupted while waiting
     */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(Require.nonNegative(timeout, "timeout"));
        requireStarted();
        try (Wait wait = session.newWait()) {
            waiters.add(wait);
            try {
                while (!isSynced()) {
                    requireStarted();
                    KeeperException refused = refusal;
                    if (refused != null) {
                        throw new ZkRecipeException("keep owned node " + path, refused);
                    }
                    if (!wait.await(deadline)) {
                        return isSynced();
                    }
                }
                return true;
            } finally {
                waiters.remove(wait);
            }
        }
    }

    /**
     * The session id of the other node's owner while another node holds the path and this one waits
     * for it to go (0 for a persistent node); empty otherwise.
     */
    public OptionalLong heldByAnother() {
        long holder = heldBy;
        return holder == NOBODY || isOwned() ? OptionalLong.empty() : OptionalLong.of(holder);
    }

    /**
     * Adds a listener for what happens from now on. It runs on a lane of its own, off the client's
     * threads: a slow listener delays nothing else.
     *
     * @throws NullPointerException  if {@code listener} is null
     * @throws IllegalStateException after {@link #close()}
     */
    public void addListener(Listener listener) {
        addSubscriber(listener, session.newCallbackLane());
    }

    /**
     * Adds a listener that runs on {@code executor}; its events still arrive one at a time, in order.
     *
     * @throws NullPointerException  if an argument is null
     * @throws IllegalStateException after {@link #close()}
     */
    public void addListener(Listener listener, Executor executor) {
        addSubscriber(listener, session.userLane(Objects.requireNonNull(executor, "executor")));
    }

    /** Removes a listener; nothing if it was not added. Events already handed to it may still arrive. */
    public void removeListener(Listener listener) {
        subscribers.removeIf(s -> s.listener() == listener);
    }

    /**
     * Stops keeping the node and deletes it: it is never created again. Returns once the delete is
     * sent (every later request of this client is ordered after it), waiting for a request in
     * flight at most the session timeout. If the connection is down, the client's cleanup path
     * deletes the node when it returns, or the node goes with the session. A node of another
     * session is never deleted. Threads waiting in {@link #awaitSynced} end with
     * {@link IllegalStateException}; listeners are told nothing more. Idempotent; never throws.
     */
    @Override
    public void close() {
        Lifecycle before = lifecycle.getAndSet(Lifecycle.CLOSED);
        if (before == Lifecycle.CLOSED) {
            return;
        }
        subscribers.clear();
        wakeWaiters();
        if (before == Lifecycle.LATENT) {
            synchronized (lock) {
                gone = true;
            }
            return;
        }
        kick();
        awaitGone(Deadline.none().atMost(session.sessionTimeoutNanos()));
    }

    @Override
    public String toString() {
        long own = ownSession;
        return "OwnedNode[" + path + (own == 0 ? "" : ", in session 0x" + Long.toHexString(own)) + "]";
    }

    // ---- checks and waiting --------------------------------------------------------------------

    private static byte[] checked(Session session, byte[] data) {
        Objects.requireNonNull(data, "data");
        if (data.length > session.maxDataBytes()) {
            throw new IllegalArgumentException("data is " + data.length + " bytes, over the limit of "
                    + session.maxDataBytes() + " bytes");
        }
        return data.clone();
    }

    private void requireStarted() {
        Lifecycle now = lifecycle.get();
        if (now != Lifecycle.STARTED) {
            throw new IllegalStateException(this + " is " + (now == Lifecycle.CLOSED ? "closed" : "not started"));
        }
    }

    private void requireNotClosed() {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private void addSubscriber(Listener listener, Executor lane) {
        Objects.requireNonNull(listener, "listener");
        requireNotClosed();
        subscribers.add(new Subscriber(listener, lane));
    }

    /** Waits, quietly, until the run after {@link #close()} has sent the delete or handed it to the cleanup path. */
    private void awaitGone(Deadline deadline) {
        try (Wait wait = session.newWait()) {
            waiters.add(wait);
            try {
                while (!isGone() && wait.await(deadline)) {
                    // woken by the run that finishes, or by a state change
                }
            } finally {
                waiters.remove(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException closedClient) {
            // the node goes with the session
        }
    }

    private boolean isGone() {
        synchronized (lock) {
            return gone;
        }
    }

    private void wakeWaiters() {
        waiters.forEach(Wait::fire);
    }

    private void deliver(Consumer<Listener> event) {
        for (Subscriber s : subscribers) {
            try {
                s.lane().execute(() -> event.accept(s.listener()));
            } catch (RejectedExecutionException e) {
                log.debug("Listener {} of {} no longer takes events", s.listener(), path);
            }
        }
    }

    // ---- kicks: short, on the dispatcher or ZooKeeper's event thread ---------------------------

    private void stateChanged(ZkClient client, ConnectionState state) {
        if (state == ConnectionState.CONNECTED || state == ConnectionState.RECONNECTED
                || state == ConnectionState.LOST) {
            kick();
        }
    }

    private void holderChanged(WatchedEvent event) {
        if (event.getType() == EventType.NodeDeleted) {
            heldBy = NOBODY; // the next run creates at once, without looking first
        }
        kick();
    }

    /**
     * Asks for a run on the client's workers, one at a time; kicks that come while a run is queued
     * join it, a kick during a run asks for one more. No timer: a run that failed on a connection
     * problem runs again on the connection state change that follows.
     */
    private void kick() {
        if (lifecycle.get() == Lifecycle.LATENT || !queued.compareAndSet(false, true)) {
            return;
        }
        try {
            lane.execute(this::run);
        } catch (RejectedExecutionException closedClient) {
            queued.set(false); // the node goes with the session
        }
    }

    // ---- the runs: one at a time, each brings ZooKeeper closer to what is wanted ---------------

    private void run() {
        queued.set(false);
        try {
            while (step()) {
                // each step sent at most one request and moved closer to the wanted state
            }
        } catch (KeeperException e) {
            failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException closedClient) {
            log.debug("Client closed while keeping {}", path);
        }
    }

    /** One move towards the wanted state; true if there may be more to do. */
    private boolean step() throws KeeperException, InterruptedException {
        long sid = session.sessionId();
        if (ownSession != 0 && ownSession != sid) {
            nodeLost(); // it went with its session
        }
        byte[] wanted;
        long version;
        synchronized (lock) {
            if (gone) {
                return false;
            }
            wanted = data;
            version = dataVersion;
        }
        if (lifecycle.get() == Lifecycle.CLOSED) {
            sendDelete(sid);
            markGone();
            return false;
        }
        if (sid == 0 || !session.isConnected()) {
            return false; // kicked again on RECONNECTED or LOST
        }
        if (ownSession != sid) {
            return heldBy != NOBODY ? lookAtHolder(sid) : createOrAdopt(sid, wanted, version);
        }
        if (writtenVersion != version) {
            return write(sid, wanted, version);
        }
        markSynced(sid, version);
        return false;
    }

    private boolean createOrAdopt(long sid, byte[] wanted, long version) throws KeeperException, InterruptedException {
        boolean earlierUnknown = createUnknownOn == sid;
        if (!earlierUnknown) {
            createUnknownOn = sid; // until a reply says whether the node is ours
            createUnknownVersion = version;
        }
        try {
            AsyncOps.Created created = Deadline.none()
                    .join(session.opsFor(sid).createWithParents(path, wanted, CreateMode.EPHEMERAL));
            owned(sid, created.stat(), version);
            return true;
        } catch (KeeperException.NodeExistsException e) {
            if (!earlierUnknown) {
                createUnknownOn = 0; // this create made nothing: a node of this session there is another owner's
            }
            return lookAtHolder(sid);
        } catch (KeeperException e) {
            if (!earlierUnknown && !ZkClient.isRetryable(e.code()) && e.code() != Code.SESSIONEXPIRED) {
                createUnknownOn = 0; // refused: this attempt created nothing
            }
            throw e;
        }
    }

    /** Reads who holds the path, watching it; false while another node holds it (the watch kicks the next run). */
    private boolean lookAtHolder(long sid) throws KeeperException, InterruptedException {
        // exists, not getData: it needs no permission on another owner's node
        Stat stat = Deadline.none().join(session.opsFor(sid).exists(path, holderWatch));
        if (stat == null) {
            heldBy = NOBODY; // gone meanwhile: create at once
            return true;
        }
        if (createUnknownOn == sid && stat.getEphemeralOwner() == sid) {
            owned(sid, stat, createUnknownVersion); // our earlier create landed though its reply was lost
            return true;
        }
        createUnknownOn = 0; // another node holds the path: no create of ours landed
        long holder = stat.getEphemeralOwner();
        if (heldBy != holder) {
            heldBy = holder;
            log.warn("{} is held by another session 0x{}; taking it when that node goes", path,
                    Long.toHexString(holder));
            deliver(l -> l.heldByAnother(holder));
        }
        wakeWaiters();
        return false;
    }

    private void owned(long sid, Stat stat, long version) {
        ownSession = sid;
        ownCzxid = stat.getCzxid();
        ownVersion = stat.getVersion();
        writtenVersion = version;
        createUnknownOn = 0;
        heldBy = NOBODY;
        boolean again = everOwned;
        everOwned = true;
        log.info("{} {} in session 0x{}", again ? "Re-created" : "Created", path, Long.toHexString(sid));
        deliver(again ? l -> l.recreated(sid) : l -> l.created(sid));
    }

    private boolean write(long sid, byte[] wanted, long version) throws KeeperException, InterruptedException {
        try {
            // the node's version: a node that is not the one we made is never overwritten
            Stat stat = Deadline.none().join(session.opsFor(sid).setData(path, wanted, ownVersion));
            ownVersion = stat.getVersion();
            writtenVersion = version;
            return true;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            return recheckOwn(sid);
        }
    }

    /** After a refused write: is the node still the one we made? */
    private boolean recheckOwn(long sid) throws KeeperException, InterruptedException {
        Stat stat = Deadline.none().join(session.opsFor(sid).exists(path, null));
        if (stat != null && stat.getEphemeralOwner() == sid && stat.getCzxid() == ownCzxid) {
            ownVersion = stat.getVersion(); // an earlier write of ours landed though its reply was lost
            writtenVersion = -1;
            return true;
        }
        log.warn("{} was deleted by someone else; creating it again", path);
        nodeLost();
        return true;
    }

    private void nodeLost() {
        ownSession = 0;
        synchronized (lock) {
            syncedSession = 0;
        }
        deliver(Listener::lost);
        wakeWaiters();
    }

    /** Sends the delete of our node if the live session {@code sid} may own one; never waits for the reply. */
    private void sendDelete(long sid) {
        if (sid != 0 && ownSession == sid) {
            long czxid = ownCzxid;
            session.opsFor(sid).delete(path, ownVersion).whenComplete((done, failure) -> {
                Code code = failure == null ? Code.OK : AsyncOps.codeOf(failure);
                if (code != Code.OK && code != Code.NONODE && code != Code.SESSIONEXPIRED) {
                    session.deleteOwned(path, sid, czxid); // unknown outcome or a write we missed: checks the owner first
                }
            });
        } else if (sid != 0 && createUnknownOn == sid) {
            session.deleteOwned(path, sid); // a create of ours may have landed with its reply lost
        } // else no live session owns a node of ours: it went with its session
        ownSession = 0;
        createUnknownOn = 0;
    }

    private void markSynced(long sid, long version) {
        synchronized (lock) {
            if (dataVersion == version && lifecycle.get() == Lifecycle.STARTED) {
                syncedSession = sid;
            }
        }
        refusal = null;
        wakeWaiters();
    }

    private void markGone() {
        synchronized (lock) {
            gone = true;
        }
        session.removeListener(stateListener);
        wakeWaiters();
    }

    private void failed(KeeperException e) {
        Code code = e.code();
        if (ZkClient.isRetryable(code) || code == Code.SESSIONEXPIRED) {
            return; // the connection state change that follows kicks the next run
        }
        refusal = e; // retrying cannot help; the next connection state change tries again
        log.error("Cannot keep {}: {}; trying again on the next connection state change", path, code);
        wakeWaiters();
    }
}
