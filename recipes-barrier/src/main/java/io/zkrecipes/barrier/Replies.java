package io.zkrecipes.barrier;

import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException.Code;

/** How the barriers treat replies: the grace for clean-up past a deadline, and which failures mean "re-check". */
final class Replies {
    /** How long a clean-up request may take past the caller's deadline before it is left to the background. */
    static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private Replies() {
    }

    /** Whether {@code code} says "the outcome is unknown or the session is gone": wait, re-check, retry. */
    static boolean isConnectionProblem(Code code) {
        return code == Code.CONNECTIONLOSS || code == Code.OPERATIONTIMEOUT || code == Code.SESSIONEXPIRED
                || code == Code.SESSIONMOVED;
    }
}
