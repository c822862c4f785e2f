package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Require;
import java.time.Duration;
import java.util.Objects;

/**
 * How a lock treats its leases. Immutable; each setter returns a changed copy.
 *
 * <p>Defaults: leases are lost on {@code SUSPENDED} (safe: another session may be granted the
 * lock if ours expires while we cannot hear about it); ownership as the lock kind documents; no
 * lock delay.
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

    private static final Duration MAX_LOCK_DELAY = Duration.ofDays(1);
    private static final LockOptions DEFAULTS = new LockOptions(false, null, Duration.ZERO);

    private final boolean keepWhileSuspended;
    private final Ownership ownership;
    private final Duration lockDelay;

    private LockOptions(boolean keepWhileSuspended, Ownership ownership, Duration lockDelay) {
        this.keepWhileSuspended = keepWhileSuspended;
        this.ownership = ownership;
        this.lockDelay = lockDelay;
    }

    /** Leases lost on {@code SUSPENDED}; the lock kind's default ownership; no lock delay. */
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
        return new LockOptions(keep, ownership, lockDelay);
    }

    /** Who may release a lease (see {@link Ownership}). */
    public LockOptions ownership(Ownership newOwnership) {
        return new LockOptions(keepWhileSuspended, Objects.requireNonNull(newOwnership, "ownership"), lockDelay);
    }

    /**
     * After a holder vanished (its session ended, or its node was deleted without a release), the
     * lock is granted to nobody for {@code delay}, so that late writes of a holder that was paused
     * or cut off drain before the next holder starts. After a release ({@link Lease#close()}) there
     * is no delay. {@link Duration#ZERO}, the default, turns it off. Supported by
     * {@link SequentialLock} only (see its class comment for how it works and what it costs); every
     * process that uses a lock path must give it the same delay.
     *
     * <p>Each contender times the delay on its own monotonic clock ({@link System#nanoTime()}) from
     * the moment it saw the holder gone, which is never before the holder went: clock skew between
     * machines cannot shorten it. The holder's own loss is reported as before ({@link Lease#onLost}),
     * on the client, within a session timeout.
     *
     * @throws NullPointerException     if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative or longer than a day
     */
    public LockOptions lockDelay(Duration delay) {
        if (Require.nonNegative(delay, "lockDelay").compareTo(MAX_LOCK_DELAY) > 0) {
            throw new IllegalArgumentException("lockDelay must not be longer than " + MAX_LOCK_DELAY + ", was " + delay);
        }
        return new LockOptions(keepWhileSuspended, ownership, delay);
    }

    boolean keepsWhileSuspended() {
        return keepWhileSuspended;
    }

    Ownership ownershipOr(Ownership fallback) {
        return ownership == null ? fallback : ownership;
    }

    /** The lock delay in nanoseconds; 0 when off. */
    long lockDelayNanos() {
        return lockDelay.toNanos();
    }

    /** Refuses a lock delay for {@code kind}, which cannot honour one (see {@link #lockDelay}). */
    LockOptions requireNoLockDelay(String kind) {
        if (!lockDelay.isZero()) {
            throw new IllegalArgumentException("lockDelay is supported by SequentialLock only, not by " + kind
                    + ", was " + lockDelay);
        }
        return this;
    }

    @Override
    public String toString() {
        return "LockOptions[keepLeasesWhileSuspended=" + keepWhileSuspended + ", ownership=" + ownership
                + ", lockDelay=" + lockDelay + "]";
    }
}
