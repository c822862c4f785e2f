package io.zkrecipes.lock;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a lock's revocation request node for one lease that listens for requests, and tells the
 * lease of each request addressed to it (see {@link Lease#onRevocationRequested}).
 *
 * <p>A request is the node {@code <lock path>.revoke} (ephemeral, the requester's) whose data is the
 * czxid of the newest hold's node when it was made. It is addressed to every hold whose node is no
 * newer: the holds of that moment, never a later holder, whose node is always newer. Each request
 * is a create or a write of that node, so each shows as a new {@code mzxid}; two requests that
 * arrive before the holder reads the first are seen as one.
 *
 * <p>Costs fall on listening leases only: a read (a {@code getData}, or an {@code exists} while the
 * node is absent) to start and after each change, and the removal of the watch when the lease ends.
 * Reads run on the client's workers, never on ZooKeeper's event thread. Thread-safe.
 */
final class RevocationWatch implements Watcher {
    private static final Logger log = LoggerFactory.getLogger(RevocationWatch.class);

    private final AbstractLock lock;
    private final Lease lease;
    private final Session session;
    private final AsyncOps ops;
    private volatile boolean stopped;
    private long holdZxid; // guarded by this; 0 until known
    private long lastSeen; // guarded by this: the mzxid of the last request told

    RevocationWatch(AbstractLock lock, Lease lease) {
        this.lock = lock;
        this.lease = lease;
        this.session = lock.session;
        this.ops = session.opsFor(lease.sessionId()); // a later session's holds are not this lease's
    }

    /** Starts watching, off the calling thread. */
    void start() {
        armLater();
    }

    /** Stops watching; the watch is removed without waiting (a late event finds it stopped). */
    void stop() {
        stopped = true;
        try {
            ops.removeWatches(lock.revocationPath(), this, WatcherType.Data);
        } catch (IllegalStateException closed) {
            // the client is closed: its watches went with it
        }
    }

    @Override
    public void process(WatchedEvent event) {
        if (event.getType() != Event.EventType.None) {
            armLater(); // created, written or deleted: read it again and watch again
        }
        // a connection event: ZooKeeper sets the watch again on reconnection
    }

    private void armLater() {
        try {
            session.workers().execute(this::arm);
        } catch (RejectedExecutionException closed) {
            // the client is closing: the lease ends with it
        }
    }

    /** Reads the request node, watching it, and tells the lease of a request for it. On a worker. */
    private void arm() {
        try {
            long hold = holdZxid();
            if (hold == 0) {
                return; // the hold's node is gone: the lease is lost
            }
            AsyncOps.NodeData request = session.retry(Deadline.none(), this::readWatching);
            if (stopped) {
                stop(); // stopped while the read was in flight: it may have set the watch again
            } else if (request != null) {
                seen(request, hold);
            }
        } catch (KeeperException e) {
            if (!stopped && e.code() != KeeperException.Code.SESSIONEXPIRED) {
                if (AbstractLock.isConnectionFailure(e)) {
                    armLater(); // past the retry deadline, the lease still stands: keep trying
                } else {
                    log.warn("Cannot watch revocation requests of lock {}: {}", lock.path(), e.code());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the client's workers are shutting down
        } catch (IllegalStateException closed) {
            // the client is closed
        }
    }

    /** The request node's data and stat, watching it; {@code null} while it does not exist (watched too). */
    private AsyncOps.NodeData readWatching() throws KeeperException, InterruptedException {
        String path = lock.revocationPath();
        while (!stopped) {
            try {
                return Deadline.none().join(ops.getData(path, this));
            } catch (KeeperException.NoNodeException absent) {
                if (Deadline.none().join(ops.exists(path, this)) == null) {
                    return null; // the exists watch tells of its creation
                }
                // made between the two reads: read it
            }
        }
        return null;
    }

    private synchronized long holdZxid() throws KeeperException, InterruptedException {
        if (holdZxid == 0) {
            holdZxid = lock.holdZxid(lease);
        }
        return holdZxid;
    }

    private void seen(AsyncOps.NodeData request, long hold) {
        long newest;
        try {
            newest = Long.parseLong(new String(request.data(), StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            log.warn("Ignoring a malformed revocation request at {}", lock.revocationPath());
            return;
        }
        synchronized (this) {
            if (stopped || request.stat().getMzxid() == lastSeen || newest < hold) {
                return; // told already, or for an earlier holder
            }
            lastSeen = request.stat().getMzxid();
        }
        lease.revocationRequested();
    }
}
