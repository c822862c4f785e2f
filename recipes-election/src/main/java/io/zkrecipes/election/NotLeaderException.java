package io.zkrecipes.election;

/**
 * A write guarded by leadership ({@link LeaderElection#writeAsLeader}) was refused because the
 * participant does not lead: it was not leading when called, or the server found its node gone (it
 * was deposed). Nothing of the write was applied.
 */
public final class NotLeaderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotLeaderException(String message) {
        super(message);
    }

    NotLeaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
