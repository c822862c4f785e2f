package io.zkrecipes.barrier;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;

/** Waiting for replies within a caller's deadline, so a dead connection cannot stretch a timeout. */
final class Replies {
    /** How long a clean-up request may take past the caller's deadline before it is left to the background. */
    static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private Replies() {
    }

    /**
     * The reply to {@code future}, waiting until {@code deadline} at most.
     *
     * @throws KeeperException   the request's failure
     * @throws TimeoutException  if the deadline passed first
     */
    static <T> T await(CompletableFuture<T> future, long deadline)
            throws KeeperException, InterruptedException, TimeoutException {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof KeeperException ke) {
                throw ke;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Whether {@code code} says "the outcome is unknown or the session is gone": wait, re-check, retry. */
    static boolean isConnectionProblem(Code code) {
        return code == Code.CONNECTIONLOSS || code == Code.OPERATIONTIMEOUT || code == Code.SESSIONEXPIRED
                || code == Code.SESSIONMOVED;
    }

}
