package io.zkrecipes.core.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the recipes, with messages that name the argument and the rule. */
public final class Require {
    private Require() {
    }

    /** A timeout: not null, not negative (zero means "do not wait"). */
    public static Duration nonNegative(Duration value, String argument) {
        Objects.requireNonNull(value, argument);
        if (value.isNegative()) {
            throw new IllegalArgumentException(argument + " must not be negative, was " + value);
        }
        return value;
    }

    /** A duration that must be longer than zero. */
    public static Duration positive(Duration value, String argument) {
        Objects.requireNonNull(value, argument);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(argument + " must be positive, was " + value);
        }
        return value;
    }

    /** A count that must be at least {@code min}. */
    public static int atLeast(int value, int min, String argument) {
        if (value < min) {
            throw new IllegalArgumentException(argument + " must be at least " + min + ", was " + value);
        }
        return value;
    }

    /** Deadline in {@link System#nanoTime()} terms, saturating for very long timeouts. */
    public static long deadlineAfter(Duration timeout) {
        long now = System.nanoTime();
        long nanos = timeout.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE / 4 : timeout.toNanos();
        return now + nanos;
    }
}
