package io.zkrecipes.benchmarks;

import java.util.Arrays;

/** Order statistics of a set of measured values. Stateless; thread-safe. */
final class Stats {
    private Stats() {
    }

    /**
     * The median: the middle value, or the mean of the two middle values for an even count.
     *
     * @throws IllegalArgumentException if {@code values} is empty
     */
    static double median(double[] values) {
        double[] sorted = sortedCopy(values);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * The nearest-rank percentile: the smallest value with at least {@code p} percent of the
     * values at or below it (so the 99th percentile of 10 values is the largest).
     *
     * @throws IllegalArgumentException if {@code values} is empty or {@code p} is not in (0, 100]
     */
    static double percentile(double[] values, double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("p must be in (0, 100], was " + p);
        }
        double[] sorted = sortedCopy(values);
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    private static double[] sortedCopy(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("values must not be empty");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted;
    }
}
