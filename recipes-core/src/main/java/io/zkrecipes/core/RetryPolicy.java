package io.zkrecipes.core;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long {@link ZkClient#retry(ZkCall)} keeps retrying an operation that failed with connection
 * loss or an operation timeout: bounded exponential backoff with jitter, up to a total deadline.
 * Immutable and thread-safe.
 */
public final class RetryPolicy {
    private static final RetryPolicy DEFAULT =
            exponentialBackoff(Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(30));

    private final long baseNanos;
    private final long maxSleepNanos;
    private final long deadlineNanos;

    private RetryPolicy(Duration base, Duration maxSleep, Duration deadline) {
        this.baseNanos = base.toNanos();
        this.maxSleepNanos = maxSleep.toNanos();
        this.deadlineNanos = deadline.toNanos();
    }

    /** 50 ms doubling up to 1 s between attempts, giving up after 30 s in all. */
    public static RetryPolicy defaultPolicy() {
        return DEFAULT;
    }

    /**
     * @param base     the first pause; each following pause doubles, with up to 50% random jitter
     * @param maxSleep the longest pause between two attempts
     * @param deadline how long in all before the last error is thrown
     */
    public static RetryPolicy exponentialBackoff(Duration base, Duration maxSleep, Duration deadline) {
        requirePositive(base, "base");
        requirePositive(maxSleep, "maxSleep");
        requirePositive(deadline, "deadline");
        if (maxSleep.compareTo(base) < 0) {
            throw new IllegalArgumentException("maxSleep must be >= base, was " + maxSleep + " < " + base);
        }
        return new RetryPolicy(base, maxSleep, deadline);
    }

    /** Never retries: the first connection loss is thrown. */
    public static RetryPolicy none() {
        return new RetryPolicy(Duration.ofNanos(1), Duration.ofNanos(1), Duration.ZERO);
    }

    /** The total time allowed for one operation with its retries. */
    public Duration deadline() {
        return Duration.ofNanos(deadlineNanos);
    }

    /** The longest pause between two attempts. */
    public Duration maxPause() {
        return Duration.ofNanos(maxSleepNanos);
    }

    /** The pause before retry number {@code attempt} (1-based): doubling from the base, capped, with jitter. */
    public Duration pause(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
        }
        long exp = baseNanos << Math.min(attempt - 1, 30);
        long capped = exp <= 0 ? maxSleepNanos : Math.min(exp, maxSleepNanos);
        return Duration.ofNanos(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }

    @Override
    public String toString() {
        return "RetryPolicy[base=" + Duration.ofNanos(baseNanos) + ", maxSleep=" + Duration.ofNanos(maxSleepNanos)
                + ", deadline=" + deadline() + "]";
    }
}
