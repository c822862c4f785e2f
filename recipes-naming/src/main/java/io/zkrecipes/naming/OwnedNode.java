package io.zkrecipes.naming;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind group members and service registrations: an ephemeral node this process wants
 * to exist with its latest data, for as long as it is not removed.
 *
 * <p>Wanted state (data, its local version, removed) lives under a lock; one {@link Reconciler}
 * run at a time makes ZooKeeper match it. A run knows in which session it created the node, so a
 * new session re-creates it exactly once with the latest data, and a reconnection on the same
 * session sends nothing. Removal is a flag set under the lock before any delete: a run that sees
 * it never creates again, and a create already in flight is followed by a delete.
 */
final class OwnedNode {
    private static final Logger log = LoggerFactory.getLogger(OwnedNode.class);
    private static final long RETRY_MILLIS = 200;

    private final ZkClient client;
    private final String path;
    private final Reconciler reconciler;
    private final Watcher ownerGone;
    private final Runnable onDeleted;
    private final Object lock = new Object();
    // guarded by lock: what the owner wants, and what the reconciler has reached
    private byte[] data;
    private long dataVersion;
    private boolean removed;
    private boolean deleted;
    private long syncedSession;
    private KeeperException failure;
    // reconciler thread only
    private long ownSession;
    private long writtenVersion = -1;

    /** @param onDeleted runs on the executor once the node is deleted after {@link #remove()} */
    OwnedNode(ZkClient client, String path, byte[] data, ScheduledExecutorService executor, Runnable onDeleted) {
        this.client = client;
        this.onDeleted = onDeleted;
        this.path = path;
        this.data = data;
        this.reconciler = new Reconciler(executor, this::reconcile);
        this.ownerGone = event -> reconciler.kick();
    }

    String path() {
        return path;
    }

    /** Re-checks ZooKeeper soon: on start and on every CONNECTED, RECONNECTED and LOST. */
    void kick() {
        reconciler.kick();
    }

    /** The latest data; it is what a new session re-creates. */
    byte[] data() {
        synchronized (lock) {
            return data;
        }
    }

    /** Replaces the data; written in the background. */
    void update(byte[] newData) {
        synchronized (lock) {
            if (removed) {
                throw new IllegalStateException(path + " was removed");
            }
            data = newData;
            dataVersion++;
            syncedSession = 0;
        }
        reconciler.kick();
    }

    /** Whether the node holds the latest data on the current session. */
    boolean isSynced() {
        synchronized (lock) {
            return syncedSession != 0 && syncedSession == client.sessionId() && !removed;
        }
    }

    /** The last failure other than connection loss, or null once synced. */
    KeeperException failure() {
        synchronized (lock) {
            return failure;
        }
    }

    /**
     * {@link #awaitSynced}, throwing a refusal (a failure other than connection loss or another
     * session holding the node), which is not retried.
     */
    boolean awaitSyncedOrRefused(long deadlineNanos, String action) throws InterruptedException {
        boolean synced = awaitSynced(deadlineNanos);
        KeeperException refused = failure();
        if (!synced && refused != null && refused.code() != KeeperException.Code.NODEEXISTS) {
            throw new ZkRecipeException(action + " " + path, refused);
        }
        return synced;
    }

    /** Waits until synced, a failure other than connection loss, or the deadline; returns {@link #isSynced()}. */
    boolean awaitSynced(long deadlineNanos) throws InterruptedException {
        synchronized (lock) {
            while (!isSynced() && failure == null && !removed) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            return isSynced();
        }
    }

    /**
     * Stops re-creating the node and deletes it in the background (on a later connection if need
     * be); returns {@code false} if it was already removed.
     */
    boolean remove() {
        synchronized (lock) {
            if (removed) {
                return false;
            }
            removed = true;
            lock.notifyAll();
        }
        reconciler.kick();
        return true;
    }

    boolean isRemoved() {
        synchronized (lock) {
            return removed;
        }
    }

    /** Waits until the node is deleted after {@link #remove()}, or the deadline. */
    boolean awaitDeleted(long deadlineNanos) throws InterruptedException {
        synchronized (lock) {
            while (!deleted) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            return true;
        }
    }

    private void reconcile() {
        if (!client.isConnected() || client.isClosed()) {
            return; // the owner kicks again on RECONNECTED or LOST
        }
        try {
            while (step()) {
                // each step sent one request and moved closer to the wanted state
            }
        } catch (KeeperException e) {
            onFailure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException closedClient) {
            log.debug("Client closed while keeping {}", path);
        }
    }

    private boolean step() throws KeeperException, InterruptedException {
        long session = client.sessionId();
        byte[] wanted;
        long version;
        boolean remove;
        synchronized (lock) {
            if (deleted) {
                return false;
            }
            remove = removed;
            wanted = data;
            version = dataVersion;
        }
        if (remove) {
            deleteIfOurs(session);
            onDeleted.run(); // before waking waiters: once they return, the owner has forgotten the node
            synchronized (lock) {
                deleted = true;
                lock.notifyAll();
            }
            return false;
        }
        if (ownSession != session) {
            return createOrAdopt(session, wanted, version);
        }
        if (writtenVersion != version) {
            AsyncOps.join(Session.of(client).ops().setData(path, wanted, -1));
            writtenVersion = version;
            return true;
        }
        markSynced(session, version);
        return false;
    }

    private boolean createOrAdopt(long session, byte[] wanted, long version)
            throws KeeperException, InterruptedException {
        try {
            AsyncOps.join(Session.of(client).ops().createWithParents(path, wanted, CreateMode.EPHEMERAL));
            log.info("Created {} in session 0x{}", path, Long.toHexString(session));
            ownSession = session;
            writtenVersion = version;
            return true;
        } catch (KeeperException.NodeExistsException e) {
            // the watch wakes us when a node held by another session goes
            Stat stat = AsyncOps.join(Session.of(client).ops().exists(path, ownerGone));
            if (stat == null) {
                return true;
            }
            if (stat.getEphemeralOwner() != session) {
                throw e;
            }
            ownSession = session; // our earlier create landed though its reply was lost
            writtenVersion = -1;
            return true;
        }
    }

    private void deleteIfOurs(long session) throws KeeperException, InterruptedException {
        if (ownSession != session) {
            // a create of ours may have landed with its reply lost: delete only a node this session owns
            Stat stat = AsyncOps.join(Session.of(client).ops().exists(path, null));
            if (stat == null || stat.getEphemeralOwner() != session) {
                return;
            }
        }
        try {
            AsyncOps.join(Session.of(client).ops().delete(path, -1));
        } catch (KeeperException.NoNodeException alreadyGone) {
            // deleted by someone else or by our session's end
        }
        ownSession = 0;
    }

    private void markSynced(long session, long version) {
        synchronized (lock) {
            if (dataVersion == version && !removed) {
                syncedSession = session;
                failure = null;
                lock.notifyAll();
            }
        }
    }

    private void onFailure(KeeperException e) {
        KeeperException.Code code = e.code();
        if (ZkClient.isRetryable(code) || code == KeeperException.Code.SESSIONEXPIRED) {
            reconciler.kickAfter(RETRY_MILLIS); // harmless if the reconnection kicks first
            return;
        }
        synchronized (lock) {
            failure = e;
            lock.notifyAll();
        }
        if (code == KeeperException.Code.NODEEXISTS) {
            log.warn("{} is held by another session; taking it over when it goes", path);
        } else {
            // refused (permissions, ACL): retrying cannot help; the owner reports it (a new session tries again)
            log.error("Cannot keep {}: {}; not retrying", path, code);
        }
    }
}
