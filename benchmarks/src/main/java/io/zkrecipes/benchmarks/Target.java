package io.zkrecipes.benchmarks;

/** A bound on the ratio ours / Curator's that a scenario aims for. Immutable. */
record Target(double bound, boolean upper) {

    /** Ours must take at most {@code bound} times Curator's figure (latencies). */
    static Target atMost(double bound) {
        return new Target(bound, true);
    }

    /** Ours must reach at least {@code bound} times Curator's figure (rates). */
    static Target atLeast(double bound) {
        return new Target(bound, false);
    }

    boolean met(double ratio) {
        return upper ? ratio <= bound : ratio >= bound;
    }

    @Override
    public String toString() {
        return (upper ? "<= " : ">= ") + Report.number(bound) + "x";
    }
}
