package io.zkrecipes.core;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one retry loop: reruns a call that failed with connection loss or an operation timeout (and,
 * when asked, session expiry) under the {@link RetryPolicy}'s backoff and deadline, waiting for the
 * connection between attempts. Every other failure goes to the caller at once.
 */
final class RetryLoop {
    private static final Logger log = LoggerFactory.getLogger(RetryLoop.class);

    private final RetryPolicy policy;
    private final SessionKeeper sessions;
    private final BooleanSupplier closed;

    RetryLoop(RetryPolicy policy, SessionKeeper sessions, BooleanSupplier closed) {
        this.policy = policy;
        this.sessions = sessions;
        this.closed = closed;
    }

    <T> T run(ZkCall<T> call, boolean expiryToo) throws KeeperException, InterruptedException {
        long start = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (KeeperException e) {
                long left = policy.deadlineNanos() - (System.nanoTime() - start);
                boolean retryable = ZkClient.isRetryable(e.code())
                        || (expiryToo && e.code() == KeeperException.Code.SESSIONEXPIRED);
                if (!retryable || left <= 0 || closed.getAsBoolean()) {
                    throw e;
                }
                log.debug("Retrying after {} (attempt {})", e.code(), attempt);
                pause(e.code(), Math.min(policy.sleepNanos(attempt), left), left);
            }
        }
    }

    private void pause(KeeperException.Code code, long pause, long left) throws InterruptedException {
        if (code == KeeperException.Code.SESSIONEXPIRED) {
            // the handle may not know yet that it is dead: back off, then wait for the new session
            TimeUnit.NANOSECONDS.sleep(pause);
            sessions.awaitConnected(Math.max(1, left - pause));
        } else {
            sessions.awaitConnected(pause);
        }
    }
}
