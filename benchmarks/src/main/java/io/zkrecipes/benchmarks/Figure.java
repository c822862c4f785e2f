package io.zkrecipes.benchmarks;

/**
 * What one side of a scenario measured: the median and, for latencies, the 99th percentile, in
 * the scenario's unit, with the number of samples behind them.
 */
record Figure(double p50, double p99, int samples, boolean latency) {

    /** Latency samples: median and p99. */
    static Figure latency(Samples samples) {
        double[] v = samples.values();
        return new Figure(Stats.median(v), Stats.percentile(v, 99), v.length, true);
    }

    /** Rates or counts, one per round: the median only. */
    static Figure rate(Samples samples) {
        double[] v = samples.values();
        return new Figure(Stats.median(v), Double.NaN, v.length, false);
    }

    String format(String unit) {
        String s = "p50 " + Report.number(p50) + " " + unit;
        return latency ? s + ", p99 " + Report.number(p99) + " " + unit : s;
    }
}
