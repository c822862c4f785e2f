package io.zkrecipes.benchmarks;

import java.util.Arrays;

/** A growing list of measured values. Not thread-safe: one measuring thread adds to it. */
final class Samples {
    private double[] values = new double[64];
    private int size;

    void add(double value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    int size() {
        return size;
    }

    double[] values() {
        return Arrays.copyOf(values, size);
    }
}
