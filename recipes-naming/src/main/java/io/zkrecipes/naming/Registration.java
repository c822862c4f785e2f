package io.zkrecipes.naming;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance registered by a {@link ServiceRegistry}: an ephemeral node at
 * {@code <basePath>/<service>/<instanceId>} that the registry keeps in place with the latest
 * instance data until {@link #unregister()}.
 *
 * <p>On {@code SUSPENDED} nothing is sent: the node lives as long as the session. On a reconnection
 * with the same session nothing is re-sent either. After {@code LOST} (the node went with the
 * session) the latest data is registered again, once per new session. Unregistering wins over a
 * re-registration running at the same time: once {@link #unregister()} is called the node is
 * never created again, and a create already in flight is followed by a delete.
 *
 * <p>How it works: the wanted state (data and its local version, removed or not) lives under one
 * lock; one {@link Reconciler} run at a time makes ZooKeeper match it, kicked by every change of
 * the wanted state and by every connection state change. A run knows in which session it created
 * the node, so a new session re-creates it exactly once with the latest data. Every request goes
 * on the session that owns (or is to own) the node, and the delete goes through the session's
 * cleanup path, so a delete repeated after a lost reply never frees a node that another process
 * registered under the same id since.
 *
 * <p>Thread-safe.
 */
public final class Registration implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Registration.class);

    private final Session session;
    private final String service;
    private final String path;
    private final Consumer<Registration> onGone;
    private final Reconciler reconciler;
    private final ConnectionStateListener stateListener = this::stateChanged;
    private final Watcher holderGone;
    private final Set<Wait> waiters = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    // guarded by lock: what the owner wants, and what the runs have reached
    private ServiceInstance instance;
    private byte[] data;
    private long dataVersion;
    private boolean removed;
    private boolean gone;
    private long syncedSession;
    private KeeperException refusal;
    // the runs' own: which session owns our node, and since which create
    private long ownSession;
    private long ownCzxid;
    private long writtenVersion = -1;
    private long createUnknownOn;

    Registration(Session session, String service, ServiceInstance instance, String path, byte[] data,
            Consumer<Registration> onGone) {
        this.session = session;
        this.service = service;
        this.instance = instance;
        this.path = path;
        this.data = data;
        this.onGone = onGone;
        this.reconciler = new Reconciler(session, this::reconcile);
        this.holderGone = event -> reconciler.kick();
    }

    /** The node data of {@code instance}, checked against the client's size limit. */
    static byte[] dataOf(Session session, ServiceInstance instance) {
        byte[] data = InstanceCodec.encode(instance);
        if (data.length > session.maxDataBytes()) {
            throw new IllegalArgumentException("instance data is " + data.length + " bytes, over the limit of "
                    + session.maxDataBytes() + " bytes");
        }
        return data;
    }

    /** Begins keeping the node: now, or when the ensemble becomes reachable. */
    void start() {
        session.addListener(stateListener);
        reconciler.kick();
    }

    /** The service name. */
    public String service() {
        return service;
    }

    /** The instance with its latest metadata. */
    public ServiceInstance instance() {
        synchronized (lock) {
            return instance;
        }
    }

    /** The instance node's path. */
    public String path() {
        return path;
    }

    /** Whether the node exists with the latest data on the client's current session. Does not block. */
    public boolean isRegistered() {
        synchronized (lock) {
            return isSynced();
        }
    }

    /**
     * Waits until {@link #isRegistered()}, at most {@code timeout}, whatever the network does.
     *
     * @return whether it is registered
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if the registration is unregistered or its client closed, also
     *                                  while waiting
     * @throws InterruptedException     if interrupted while waiting
     * @throws ZkRecipeException        if the server refused the registration (for instance for lack of
     *                                  permission on the service's path): it is not retried
     */
    public boolean awaitRegistered(Duration timeout) throws InterruptedException {
        if (awaitSynced(Deadline.after(Require.nonNegative(timeout, "timeout")))) {
            return true;
        }
        KeeperException refused = refusal(); // another holder of the id is waited for, not a refusal
        if (refused != null && refused.code() != Code.NODEEXISTS) {
            throw new ZkRecipeException("register " + path, refused);
        }
        return false;
    }

    /**
     * Replaces the instance's metadata. Returns at once; the node is rewritten in the background
     * (see {@link #awaitRegistered}), and a new session re-creates it with this metadata.
     *
     * @throws NullPointerException     if {@code metadata}, a key or a value is null
     * @throws IllegalArgumentException if the instance data would be too large
     * @throws IllegalStateException    after {@link #unregister()}
     */
    public void updateMetadata(Map<String, String> metadata) {
        synchronized (lock) {
            if (removed) {
                throw new IllegalStateException(this + " was unregistered");
            }
            ServiceInstance updated = instance.withMetadata(metadata);
            data = dataOf(session, updated);
            instance = updated;
            dataVersion++;
            syncedSession = 0;
        }
        reconciler.kick();
    }

    /**
     * Removes the instance: it is never registered again, and its node is deleted. Returns once
     * the delete is sent (every later request of this client is ordered after it), waiting for
     * a create in flight at most the session timeout. If the connection is down, the session's
     * cleanup path deletes the node when it returns, or the node goes with the session. Threads
     * waiting in {@link #awaitRegistered} end with {@link IllegalStateException}. The same
     * instance id can be registered again once this returns. Idempotent; never throws.
     */
    public void unregister() {
        if (remove()) {
            awaitGone(Deadline.after(Duration.ofNanos(session.sessionTimeoutNanos())));
        }
    }

    /** The same as {@link #unregister()}. */
    @Override
    public void close() {
        unregister();
    }

    @Override
    public String toString() {
        return "Registration[" + path + ", " + instance().address() + "]";
    }

    // ---- for the registry ----------------------------------------------------------------------

    /** Waits until synced, a refusal other than another holder, or the deadline; returns {@link #isRegistered()}. */
    boolean awaitSynced(Deadline deadline) throws InterruptedException {
        await(deadline, () -> {
            synchronized (lock) {
                if (removed) {
                    throw new IllegalStateException(this + " was unregistered");
                }
                return isSynced() || (refusal != null && refusal.code() != Code.NODEEXISTS);
            }
        });
        return isRegistered();
    }

    /** The last failure other than a connection problem, or null once synced. */
    KeeperException refusal() {
        synchronized (lock) {
            return refusal;
        }
    }

    /** Stops keeping the node and asks for its delete; false if that was asked before. */
    boolean remove() {
        synchronized (lock) {
            if (removed) {
                return false;
            }
            removed = true;
        }
        wakeWaiters();
        reconciler.kick();
        return true;
    }

    boolean isRemoved() {
        synchronized (lock) {
            return removed;
        }
    }

    /** Waits, quietly, until the delete after {@link #remove()} is sent or handed to the cleanup path. */
    boolean awaitGone(Deadline deadline) {
        try {
            return await(deadline, () -> {
                synchronized (lock) {
                    return gone;
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IllegalStateException closedClient) {
            return true; // the node goes with the session
        }
    }

    // ---- waiting -------------------------------------------------------------------------------

    /** Waits until {@code done} holds or the deadline passes; woken by every change of ours and every state change. */
    private boolean await(Deadline deadline, BooleanSupplier done) throws InterruptedException {
        try (Wait wait = session.newWait()) {
            waiters.add(wait);
            try {
                while (!done.getAsBoolean()) {
                    if (!wait.await(deadline)) {
                        return done.getAsBoolean();
                    }
                }
                return true;
            } finally {
                waiters.remove(wait);
            }
        }
    }

    private void wakeWaiters() {
        waiters.forEach(Wait::fire);
    }

    private boolean isSynced() {
        return !removed && syncedSession != 0 && syncedSession == session.sessionId();
    }

    // ---- the runs ------------------------------------------------------------------------------

    private void stateChanged(ZkClient client, ConnectionState state) {
        if (state == ConnectionState.CONNECTED || state == ConnectionState.RECONNECTED
                || state == ConnectionState.LOST) {
            reconciler.kick();
        }
    }

    private void reconcile() {
        try {
            while (step()) {
                // each step sent one request and moved closer to the wanted state
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
        byte[] wanted;
        long version;
        boolean remove;
        synchronized (lock) {
            if (gone) {
                return false;
            }
            remove = removed;
            wanted = data;
            version = dataVersion;
        }
        if (remove) {
            sendDelete(sid);
            markGone();
            return false;
        }
        if (sid == 0 || !session.isConnected()) {
            return false; // kicked again on RECONNECTED or LOST
        }
        if (ownSession != sid) {
            return createOrAdopt(sid, wanted, version);
        }
        if (writtenVersion != version) {
            Deadline.none().join(session.opsFor(sid).setData(path, wanted, -1));
            writtenVersion = version;
            return true;
        }
        markSynced(sid, version);
        return false;
    }

    private boolean createOrAdopt(long sid, byte[] wanted, long version) throws KeeperException, InterruptedException {
        AsyncOps ops = session.opsFor(sid);
        boolean earlierUnknown = createUnknownOn == sid;
        createUnknownOn = sid; // until a reply says whether the node is ours
        try {
            AsyncOps.Created created = Deadline.none().join(ops.createWithParents(path, wanted, CreateMode.EPHEMERAL));
            owned(sid, created.stat().getCzxid(), version);
            log.info("Registered {} in session 0x{}", path, Long.toHexString(sid));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            // the watch wakes us when a node held by someone else goes
            Stat stat = Deadline.none().join(ops.exists(path, holderGone));
            if (stat == null) {
                createUnknownOn = earlierUnknown ? sid : 0;
                return true;
            }
            createUnknownOn = 0;
            if (earlierUnknown && stat.getEphemeralOwner() == sid) {
                owned(sid, stat.getCzxid(), -1); // our earlier create landed though its reply was lost
                return true;
            }
            throw e;
        } catch (KeeperException e) {
            if (!ZkClient.isRetryable(e.code()) && e.code() != Code.SESSIONEXPIRED) {
                createUnknownOn = earlierUnknown ? sid : 0; // refused: this attempt created nothing
            }
            throw e;
        }
    }

    private void owned(long sid, long czxid, long version) {
        ownSession = sid;
        ownCzxid = czxid;
        writtenVersion = version;
        createUnknownOn = 0;
        session.events().serviceRegistered(service);
    }

    /** Sends the delete of our node if the live session {@code sid} may own one; never waits for the reply. */
    private void sendDelete(long sid) {
        if (sid != 0 && ownSession == sid) {
            session.release(path, sid, ownCzxid); // a lost reply is finished by the cleanup path, for this node only
        } else if (sid != 0 && createUnknownOn == sid) {
            session.deleteOwned(path, sid); // a create of ours may have landed with its reply lost
        } // else no live session owns a node of ours: it went with its session
        ownSession = 0;
        createUnknownOn = 0;
    }

    private void markSynced(long sid, long version) {
        synchronized (lock) {
            if (dataVersion == version && !removed) {
                syncedSession = sid;
                refusal = null;
            }
        }
        wakeWaiters();
    }

    private void markGone() {
        synchronized (lock) {
            gone = true;
        }
        session.removeListener(stateListener);
        onGone.accept(this); // before waking waiters: once they return, the registry has forgotten us
        wakeWaiters();
    }

    private void failed(KeeperException e) {
        Code code = e.code();
        if (ZkClient.isRetryable(code) || code == Code.SESSIONEXPIRED) {
            return; // the connection state change that follows kicks the next run
        }
        synchronized (lock) {
            refusal = e;
        }
        wakeWaiters();
        if (code == Code.NODEEXISTS) {
            log.warn("{} is held by another session; taking it over when it goes", path);
        } else {
            // refused (permissions, ACL): retrying cannot help; a new session tries again
            log.error("Cannot register {}: {}; not retrying", path, code);
        }
    }
}
