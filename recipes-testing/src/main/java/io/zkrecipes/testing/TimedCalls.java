package io.zkrecipes.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import io.zkrecipes.core.ZkClient;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks that a call running on its own thread ends in time: timed calls are deadlines, so a test
 * asserts when they return, not only what. On a late call the message says how late it was.
 */
public final class TimedCalls {
    /** How long a late call is still given, to report how late it was. */
    private static final Duration LATE_REPORT = Duration.ofSeconds(15);

    private TimedCalls() {
    }

    /** The value of {@code call}, started at {@code startNanos}; fails unless it returns one within {@code bound}. */
    public static <T> T valueWithin(Future<T> call, long startNanos, Duration bound, String what)
            throws InterruptedException {
        try {
            return call.get(left(startNanos, bound), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return fail(what + " has not returned " + bound.toMillis() + " ms after it was called; it returned after "
                    + finish(call, startNanos) + " ms");
        } catch (ExecutionException e) {
            throw new AssertionError(what + " threw instead of returning", e.getCause());
        }
    }

    /** The failure of {@code call}, started at {@code startNanos}; fails unless it throws within {@code bound}. */
    public static Throwable failureWithin(Future<?> call, long startNanos, Duration bound, String what)
            throws InterruptedException {
        try {
            Object value = call.get(left(startNanos, bound), TimeUnit.NANOSECONDS);
            return fail(what + " returned " + value + " instead of throwing");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return fail(what + " has not ended " + bound.toMillis() + " ms on; it ended after "
                    + finish(call, startNanos) + " ms");
        }
    }

    /** Fails unless {@code call} ends, returning or throwing, within {@code bound} from now. */
    public static void endsWithin(Future<?> call, Duration bound, String what) throws InterruptedException {
        try {
            call.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            // throwing is ending too (IllegalStateException: closed)
        } catch (TimeoutException e) {
            fail(what + ": still blocked " + bound.toMillis() + " ms later");
        }
    }

    /** Fails if {@code call} ends on its own within the next 300 ms: it is meant to be waiting. */
    public static void assertStillRunning(Future<?> call, String what) {
        await(what + " keeps waiting").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1))
                .until(() -> !call.isDone());
    }

    /** Cuts {@code client}'s connection through {@code servers} once {@code offset} has passed since {@code startNanos}. */
    public static void cutAt(ZkTestServers servers, ZkClient client, long startNanos, Duration offset) {
        await().atMost(offset.plusSeconds(1)).pollInterval(Duration.ofMillis(1))
                .until(() -> System.nanoTime() - startNanos >= offset.toNanos());
        servers.cut(client);
    }

    private static long left(long startNanos, Duration bound) {
        return Math.max(0, bound.toNanos() - (System.nanoTime() - startNanos));
    }

    /** How long {@code call} took in the end (up to {@link #LATE_REPORT} more), for the failure message. */
    private static String finish(Future<?> call, long startNanos) {
        try {
            call.get(LATE_REPORT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return "more than " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // the time is what matters here
        }
        return Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }
}
