package io.zkrecipes.queue;

import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;

/**
 * A lower bound of the ensemble's clock: the wall clock of the leader, which stamps every write's
 * {@code mtime}. A write's reply arrives after the write was stamped, so at its arrival the
 * ensemble's time is at least that {@code mtime}; from then on the bound advances with this
 * process's monotonic clock. It is never ahead of the leader's clock, so an item judged due by it
 * is due; it lags by the reply's one-way delay. Clocks of different servers differ: after a leader
 * change the ensemble's time moves by the difference between the two servers' clocks.
 *
 * <p>Thread-safe.
 */
final class EnsembleClock {
    /** A write sample older than this is refreshed before it decides that something must wait. */
    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(30);

    private long sampleMs;
    private long sampleNanos;
    private boolean sampled;

    /** A write's {@code mtime}, seen in its reply just now. */
    synchronized void observe(long mtimeMs) {
        long now = System.nanoTime();
        sampleMs = sampled ? Math.max(mtimeMs, boundAt(now)) : mtimeMs;
        sampleNanos = now;
        sampled = true;
    }

    /** Whether a write sample younger than 30 s backs the bound. */
    synchronized boolean isFresh() {
        return sampled && System.nanoTime() - sampleNanos <= FRESH_NANOS;
    }

    /** The ensemble's time now is at least this (milliseconds since the epoch); {@link Long#MIN_VALUE} before any sample. */
    synchronized long nowAtLeast() {
        return sampled ? boundAt(System.nanoTime()) : Long.MIN_VALUE;
    }

    /** The {@link System#nanoTime()} at which the bound reaches {@code ms}; now if unknown or passed. */
    synchronized long nanosWhen(long ms) {
        long now = System.nanoTime();
        if (!sampled) {
            return now;
        }
        long ahead = ms - boundAt(now);
        return ahead <= 0 ? now : now + TimeUnit.MILLISECONDS.toNanos(ahead);
    }

    /** Takes a fresh sample: one write that changes nothing but {@code path}'s mtime and version. */
    void sample(Session session, String path, Deadline deadline) throws KeeperException, InterruptedException {
        observe(deadline.join(session.ops().setData(path, QueueLayout.EMPTY, -1)).getMtime());
    }

    /**
     * Takes a fresh sample without waiting; the future completes once it is in, or once it failed
     * (the bound then stays what it was). Never completes exceptionally.
     */
    CompletableFuture<Void> sampleAsync(Session session, String path) {
        try {
            return session.ops().setData(path, QueueLayout.EMPTY, -1).handle((stat, failure) -> {
                if (stat != null) {
                    observe(stat.getMtime());
                }
                return null;
            });
        } catch (RuntimeException clientClosed) {
            return CompletableFuture.completedFuture(null);
        }
    }

    private long boundAt(long nanos) {
        return sampleMs + TimeUnit.NANOSECONDS.toMillis(nanos - sampleNanos);
    }
}
