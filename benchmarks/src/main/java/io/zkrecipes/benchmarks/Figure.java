package io.zkrecipes.benchmarks;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What one side of a scenario measured: the median and, for latencies, the 99th percentile, in
 * the scenario's unit, with the number of samples behind them.
 */
record Figure(double p50, double p99, int samples, boolean latency) {
    /** Far beyond any scenario's own waits (a minute at most): a longer latency is a bug, not a sample. */
    private static final long MAX_NANOS = TimeUnit.HOURS.toNanos(1);
    private static final int SIGNIFICANT_DIGITS = 3;

    /**
     * Latency samples in milliseconds: median and p99, read from a histogram of nanoseconds that
     * keeps 3 significant digits.
     *
     * @throws IllegalArgumentException if {@code samples} is empty or a sample is negative or over an hour
     */
    static Figure latency(Samples samples) {
        if (samples.size() == 0) {
            throw new IllegalArgumentException("samples must not be empty");
        }
        Histogram histogram = new Histogram(1, MAX_NANOS, SIGNIFICANT_DIGITS);
        for (double millis : samples.values()) {
            histogram.recordValue(nanos(millis));
        }
        return new Figure(histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(99) / 1e6,
                samples.size(), true);
    }

    /** Rates or counts, one per round: the median only. */
    static Figure rate(Samples samples) {
        double[] v = samples.values();
        return new Figure(Stats.median(v), Double.NaN, v.length, false);
    }

    private static long nanos(double millis) {
        long nanos = Math.round(millis * 1e6);
        if (nanos < 0 || nanos > MAX_NANOS) {
            throw new IllegalArgumentException("a latency sample must be in [0 ms, 1 h], was " + millis + " ms");
        }
        return nanos;
    }

    String format(String unit) {
        String s = "p50 " + Report.number(p50) + " " + unit;
        return latency ? s + ", p99 " + Report.number(p99) + " " + unit : s;
    }
}
