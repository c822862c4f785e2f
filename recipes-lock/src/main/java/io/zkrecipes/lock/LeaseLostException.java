package io.zkrecipes.lock;

/**
 * A {@link Lease} is no longer held: its session expired or was suspended, its node is gone, or it
 * was released. Thrown by {@link Lease#guardedWrite}, in which case nothing was written.
 */
public final class LeaseLostException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    LeaseLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
