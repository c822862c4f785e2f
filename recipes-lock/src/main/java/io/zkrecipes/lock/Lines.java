package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.WaitingLine;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import org.apache.zookeeper.KeeperException;

/** Small helpers for the locks built on core's {@link WaitingLine}. */
final class Lines {
    /** Lock members carry no data: the node name and its session say everything. */
    static final byte[] NO_DATA = new byte[0];

    private Lines() {
    }

    /** One join-and-wait attempt; throws SESSIONEXPIRED when its node went with the session. */
    interface Attempt {
        Grantor.Claim run(long deadlineNanos, boolean tryOnly) throws KeeperException, InterruptedException;
    }

    /**
     * Runs {@code attempt}, joining again on the new session when the old one expired (its node is
     * gone), until granted, the deadline, or another failure (wrapped, naming {@code what}).
     */
    static Grantor.Claim rejoiningOnExpiry(ZkClient client, Attempt attempt, long deadlineNanos, boolean tryOnly,
            String what) throws InterruptedException {
        while (true) {
            try {
                return attempt.run(deadlineNanos, tryOnly);
            } catch (KeeperException e) {
                if (e.code() != KeeperException.Code.SESSIONEXPIRED) {
                    throw new ZkRecipeException(what, e);
                }
                if (tryOnly || !Waits.awaitConnected(client, deadlineNanos)) {
                    return null;
                }
            }
        }
    }

    /** Leaves the line, adding any cleanup failure to {@code first} instead of hiding it. */
    static void leaveAfter(WaitingLine line, Ticket ticket, Throwable first) {
        try {
            line.leave(ticket);
        } catch (RuntimeException e) {
            first.addSuppressed(e);
        }
    }
}
