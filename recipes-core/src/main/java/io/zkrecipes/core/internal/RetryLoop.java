package io.zkrecipes.core.internal;

import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkCall;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one retry loop: reruns a call that failed with connection loss or an operation timeout
 * (and, when asked, session expiry) with the policy's backoff, until the caller's deadline or,
 * for an untimed call, the policy's own deadline. It always pauses between attempts, also while
 * the client looks connected (a loss can be reported before the disconnection is), and a state
 * change ends the pause early. Every other failure goes to the caller at once.
 */
final class RetryLoop {
    private static final Logger log = LoggerFactory.getLogger(RetryLoop.class);

    private final RetryPolicy policy;
    private final Session session;

    RetryLoop(RetryPolicy policy, Session session) {
        this.policy = policy;
        this.session = session;
    }

    /** Whether a failure with this code may be retried as if nothing had happened. */
    static boolean isRetryable(Code code) {
        return code == Code.CONNECTIONLOSS || code == Code.OPERATIONTIMEOUT;
    }

    <T> T run(ZkCall<T> call, Deadline deadline, boolean expiryToo) throws KeeperException, InterruptedException {
        Deadline end = deadline.isTimed() ? deadline : Deadline.none().atMost(policy.deadline().toNanos());
        for (int attempt = 1; ; attempt++) {
            session.requireOpen();
            try {
                return call.call();
            } catch (KeeperException e) {
                boolean expired = e.code() == Code.SESSIONEXPIRED;
                if (!(isRetryable(e.code()) || (expiryToo && expired)) || end.passed()) {
                    throw e;
                }
                log.debug("Retrying after {} (attempt {})", e.code(), attempt);
                session.events().retried(e.code());
                pause(attempt, end, expired);
            }
        }
    }

    private void pause(int attempt, Deadline end, boolean expired) throws InterruptedException {
        Deadline pauseEnd = end.atMost(policy.pause(attempt).toNanos());
        try (Wait wait = session.newWait()) {
            // a state change ends the pause early, except that after an expiry we wait for the new session
            while (wait.await(pauseEnd) && expired && !session.isLive()) {
                pauseEnd = end;
            }
        }
    }
}
