package io.zkrecipes.core.internal;

import io.zkrecipes.core.ZkPaths;
import java.util.List;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one cleanup path: deletes a session's own ephemeral nodes whose fate is unknown (a release
 * whose reply was lost, a create given up or interrupted, a lease made by a multi whose caller
 * left). It keeps trying, pausing between tries, while the owning session is live; after that
 * the server removes the nodes with the session.
 *
 * <p>A node is deleted only after a read shows that the owning session still owns it, and the
 * delete is sent on that session: a repeated delete can never free a node that another session
 * created at the same path since (a fixed-name lock node, say). Nobody else deletes a live
 * session's ephemeral nodes, so the node cannot change hands between the read and the delete.
 */
final class Cleanup {
    private static final Logger log = LoggerFactory.getLogger(Cleanup.class);

    private final Session session;

    Cleanup(Session session) {
        this.session = session;
    }

    void deleteOwned(String path, long owner, long czxid) {
        submit(() -> untilDone(owner, () -> deleteIfOwned(path, owner, czxid)), path);
    }

    void deleteOwnedPrefixed(String parent, String prefix, long owner) {
        submit(() -> untilDone(owner, () -> deletePrefixed(parent, prefix, owner)), parent + "/" + prefix);
    }

    private void submit(Runnable task, String what) {
        try {
            session.workers().execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            log.debug("Client closed before {} was cleaned up; it goes with the session", what);
        }
    }

    private interface Attempt {
        void run() throws KeeperException, InterruptedException;
    }

    private void untilDone(long owner, Attempt attempt) {
        try {
            for (int tries = 1; owner != 0 && session.sessionId() == owner; tries++) {
                if (tryOnce(attempt)) {
                    return;
                }
                pause(tries);
            }
        } catch (InterruptedException | IllegalStateException e) {
            // the client is closing: the nodes go with the session
        }
    }

    /** Whether the attempt is done with, well or for good; false if it may be retried. */
    private static boolean tryOnce(Attempt attempt) throws InterruptedException {
        try {
            attempt.run();
            return true;
        } catch (KeeperException e) {
            if (RetryLoop.isRetryable(e.code())) {
                return false;
            }
            if (e.code() != Code.SESSIONEXPIRED) {
                log.warn("Could not clean up {}: {}", e.getPath(), e.code());
            }
            return true;
        }
    }

    private void pause(int tries) throws InterruptedException {
        Deadline end = Deadline.none().atMost(session.settings().retryPolicy().pause(tries).toNanos());
        try (Wait wait = session.newWait()) {
            wait.await(end);
        }
    }

    /** Deletes the node if {@code owner} owns it and, unless {@code czxid} is 0, it is the node created at that zxid. */
    private void deleteIfOwned(String path, long owner, long czxid) throws KeeperException, InterruptedException {
        AsyncOps ops = session.opsFor(owner);
        Deadline tryEnd = Deadline.none().atMost(session.sessionTimeoutNanos());
        Stat stat = tryEnd.join(ops.exists(path, null));
        if (stat == null || stat.getEphemeralOwner() != owner || (czxid != 0 && stat.getCzxid() != czxid)) {
            return;
        }
        try {
            tryEnd.join(ops.delete(path, stat.getVersion()));
        } catch (KeeperException.NoNodeException gone) {
            // deleted by an earlier try whose reply was lost
        } catch (KeeperException.BadVersionException changed) {
            deleteIfOwned(path, owner, czxid);
        }
    }

    private void deletePrefixed(String parent, String prefix, long owner) throws KeeperException, InterruptedException {
        Deadline tryEnd = Deadline.none().atMost(session.sessionTimeoutNanos());
        List<String> names;
        try {
            names = tryEnd.join(session.opsFor(owner).getChildren(parent, null)).names();
        } catch (KeeperException.NoNodeException noParent) {
            return;
        }
        for (String name : names) {
            if (name.startsWith(prefix)) {
                deleteIfOwned(ZkPaths.join(parent, name), owner, 0);
            }
        }
    }
}
