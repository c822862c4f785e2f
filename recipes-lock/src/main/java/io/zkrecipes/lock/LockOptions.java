package io.zkrecipes.lock;

import java.util.Objects;

/**
 * How a lock treats its leases. Immutable; each setter returns a changed copy.
 *
 * <p>Defaults: leases are lost on {@code SUSPENDED} (safe: another session may be granted the
 * lock if ours expires while we cannot hear about it); ownership as the lock kind documents.
 */
public final class LockOptions {
    /** Who may release a lease. */
    public enum Ownership {
        /**
         * The acquiring thread owns the hold: acquiring again from it is reentrant and returns
         * the same lease, which the thread closes once per acquire; closing it from another
         * thread throws {@link IllegalMonitorStateException}.
         */
        THREAD,
        /**
         * The lease owns the hold: any thread may close it (async code, thread pools). Not
         * reentrant: every acquire is a new grant, so a thread that acquires twice waits for itself.
         */
        HANDLE
    }

    private static final LockOptions DEFAULTS = new LockOptions(false, null);

    private final boolean keepWhileSuspended;
    private final Ownership ownership;

    private LockOptions(boolean keepWhileSuspended, Ownership ownership) {
        this.keepWhileSuspended = keepWhileSuspended;
        this.ownership = ownership;
    }

    /** Leases lost on {@code SUSPENDED}; the lock kind's default ownership. */
    public static LockOptions defaults() {
        return DEFAULTS;
    }

    /**
     * With {@code true}, a lease stays valid while the connection is down and the session may still
     * be alive; it is lost when the session is (on the client, at the latest one session timeout
     * after the disconnection, before any server can confirm it). Only safe when the protected resource
     * checks {@linkplain Lease#fencingToken() fencing tokens} or writes go through
     * {@link Lease#guardedWrite}.
     */
    public LockOptions keepLeasesWhileSuspended(boolean keep) {
        return new LockOptions(keep, ownership);
    }

    /** Who may release a lease (see {@link Ownership}). */
    public LockOptions ownership(Ownership newOwnership) {
        return new LockOptions(keepWhileSuspended, Objects.requireNonNull(newOwnership, "ownership"));
    }

    boolean keepsWhileSuspended() {
        return keepWhileSuspended;
    }

    Ownership ownershipOr(Ownership fallback) {
        return ownership == null ? fallback : ownership;
    }

    @Override
    public String toString() {
        return "LockOptions[keepLeasesWhileSuspended=" + keepWhileSuspended + ", ownership=" + ownership + "]";
    }
}
