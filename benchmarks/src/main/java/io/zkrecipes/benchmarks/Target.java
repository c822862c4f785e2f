package io.zkrecipes.benchmarks;

/**
 * A bound on the ratio ours / Curator's that a scenario aims for, on loopback and over a link
 * (where saved round trips weigh more, so the bound may be tighter). Immutable.
 */
record Target(double loopback, double link, boolean upper) {

    /** Ours must take at most the bound times Curator's figure (latencies). */
    static Target atMost(double loopback, double link) {
        return new Target(loopback, link, true);
    }

    /** Ours must reach at least the bound times Curator's figure (rates). */
    static Target atLeast(double loopback, double link) {
        return new Target(loopback, link, false);
    }

    double bound(boolean overLink) {
        return overLink ? link : loopback;
    }

    boolean met(double ratio, boolean overLink) {
        return upper ? ratio <= bound(overLink) : ratio >= bound(overLink);
    }

    String describe(boolean overLink) {
        return (upper ? "<= " : ">= ") + Report.number(bound(overLink)) + "x";
    }
}
