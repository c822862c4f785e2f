package io.zkrecipes.benchmarks;

import java.util.concurrent.CountDownLatch;

/** One change on its way to a fixed set of observers: what it is, and when each observer first saw it. */
final class Wave {
    private final String value;
    private final long[] seen;
    private final CountDownLatch all;

    Wave(String value, int observers) {
        this.value = value;
        this.seen = new long[observers];
        this.all = new CountDownLatch(observers);
    }

    String value() {
        return value;
    }

    /** Observer {@code who} saw {@code value}; counts only this wave's value, once per observer. */
    synchronized void saw(int who, String value) {
        if (this.value.equals(value) && seen[who] == 0) {
            seen[who] = System.nanoTime();
            all.countDown();
        }
    }

    /** Waits until every observer saw it, at most a minute. */
    void await() throws InterruptedException {
        FloorScenarios.await(all);
    }

    /** Waits until every observer saw it (at most a minute), then adds each one's delay after {@code fromNanos}. */
    void awaitInto(long fromNanos, Samples samples) throws InterruptedException {
        await();
        synchronized (this) {
            for (long t : seen) {
                samples.add((t - fromNanos) / 1e6);
            }
        }
    }
}
