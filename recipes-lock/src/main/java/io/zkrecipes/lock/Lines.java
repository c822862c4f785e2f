package io.zkrecipes.lock;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import org.apache.zookeeper.KeeperException;

/** The acquire loop every lock kind shares: join again after a session expiry, honour the deadline. */
final class Lines {
    /** Lock members carry no data: the node name and its session say everything. */
    static final byte[] NO_DATA = new byte[0];

    private Lines() {
    }

    /** One join-and-wait attempt; throws SESSIONEXPIRED when its node went with the session. */
    interface Attempt {
        Grantor.Claim run(Deadline deadline, boolean tryOnly) throws KeeperException, InterruptedException;
    }

    /**
     * Runs {@code attempt}, joining again on the new session when the old one ended (its node is
     * gone), until granted, the deadline (also when ZooKeeper could not be reached before it), or
     * another failure (wrapped, naming {@code what}).
     */
    static Grantor.Claim rejoiningOnExpiry(Session session, Attempt attempt, Deadline deadline, boolean tryOnly,
            String what) throws InterruptedException {
        while (true) {
            try {
                return attempt.run(deadline, tryOnly);
            } catch (KeeperException e) {
                if (deadline.passed() && isConnectionProblem(e)) {
                    return null;
                }
                if (e.code() != KeeperException.Code.SESSIONEXPIRED) {
                    throw new ZkRecipeException(what, e);
                }
                if (tryOnly || !awaitLive(session, deadline)) {
                    return null;
                }
            }
        }
    }

    /** Waits until a session is live again; {@code false} at the deadline. */
    static boolean awaitLive(Session session, Deadline deadline) throws InterruptedException {
        try (Wait wait = session.newWait()) {
            while (!session.isLive()) {
                if (!wait.await(deadline)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static boolean isConnectionProblem(KeeperException e) {
        return e.code() == KeeperException.Code.CONNECTIONLOSS || e.code() == KeeperException.Code.OPERATIONTIMEOUT
                || e.code() == KeeperException.Code.SESSIONEXPIRED;
    }
}
