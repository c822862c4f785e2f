package io.zkrecipes.core.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.KeeperException;

/**
 * A point in {@link System#nanoTime()} time by which a blocking call must return, carried down to
 * every request made on the call's behalf. An untimed deadline ({@link #none()}) never passes; the
 * retry loop then applies the retry policy's own deadline.
 */
public final class Deadline {
    /** Timeouts longer than this are treated as "no deadline", which keeps the arithmetic away from overflow. */
    private static final Duration FOREVER = Duration.ofDays(365);
    private static final Deadline NONE = new Deadline(Long.MAX_VALUE, false);

    private final long atNanos;
    private final boolean timed;

    private Deadline(long atNanos, boolean timed) {
        this.atNanos = atNanos;
        this.timed = timed;
    }

    /** The deadline {@code timeout} from now; {@link #none()} for timeouts of a year or more. */
    public static Deadline after(Duration timeout) {
        Require.nonNegative(timeout, "timeout");
        return timeout.compareTo(FOREVER) >= 0 ? NONE : new Deadline(System.nanoTime() + timeout.toNanos(), true);
    }

    /** No deadline: wait as long as it takes. */
    public static Deadline none() {
        return NONE;
    }

    /** Whether the caller gave a timeout. */
    public boolean isTimed() {
        return timed;
    }

    /** Nanoseconds left, 0 once passed; {@link Long#MAX_VALUE} when untimed. */
    public long remainingNanos() {
        return timed ? Math.max(0, atNanos - System.nanoTime()) : Long.MAX_VALUE;
    }

    public boolean passed() {
        return timed && atNanos - System.nanoTime() <= 0;
    }

    /** The earlier of this deadline and {@code nanos} from now. */
    public Deadline atMost(long nanos) {
        long other = System.nanoTime() + nanos;
        return !timed || other - atNanos < 0 ? new Deadline(other, true) : this;
    }

    /** The earlier of this deadline and the {@link System#nanoTime()} instant {@code atNanos}; this for {@link Long#MAX_VALUE}. */
    public Deadline atMostUntil(long atNanos) {
        if (atNanos == Long.MAX_VALUE) {
            return this;
        }
        return !timed || atNanos - this.atNanos < 0 ? new Deadline(atNanos, true) : this;
    }

    /**
     * Waits for {@code future} until the deadline and unwraps its failure.
     *
     * @throws KeeperException.OperationTimeoutException once the deadline passed (the request may still be applied)
     */
    public <T> T join(CompletableFuture<T> future) throws KeeperException, InterruptedException {
        try {
            return timed ? future.get(remainingNanos(), TimeUnit.NANOSECONDS) : future.get();
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (TimeoutException e) {
            throw new KeeperException.OperationTimeoutException();
        }
    }

    static KeeperException unwrap(ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof KeeperException ke) {
            return ke;
        }
        if (cause instanceof RuntimeException re) {
            throw re;
        }
        throw new IllegalStateException(cause);
    }

    @Override
    public String toString() {
        return timed ? "Deadline[in " + Duration.ofNanos(remainingNanos()) + "]" : "Deadline[none]";
    }
}
