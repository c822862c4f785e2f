package io.zkrecipes.benchmarks;

import java.util.Arrays;

/** The median of a few measured values, such as one rate per round. Stateless; thread-safe. */
final class Stats {
    private Stats() {
    }

    /**
     * The median: the middle value, or the mean of the two middle values for an even count.
     *
     * @throws IllegalArgumentException if {@code values} is empty
     */
    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("values must not be empty");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
