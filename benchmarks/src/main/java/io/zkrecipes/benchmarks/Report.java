package io.zkrecipes.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints one line per measured scenario as soon as it is measured, and a markdown table of every
 * line at the end. Ratios are ours / Curator's on the medians. Used from the main thread only.
 */
final class Report {
    private record Row(String scenario, String unit, Figure ours, Figure curator, Target target, String note) {
    }

    private final PrintStream out;
    /** Whether the sessions reach the server through a simulated link: the targets for a link apply. */
    private final boolean overLink;
    private final List<Row> rows = new ArrayList<>();

    Report(PrintStream out, boolean overLink) {
        this.out = out;
        this.overLink = overLink;
    }

    /** A figure with nothing to compare it with (the floor scenarios). */
    void floor(String scenario, String unit, Figure figure, String note) {
        add(new Row(scenario, unit, figure, null, null, note));
    }

    /** Ours beside Curator's, measured in the same run on the same server; {@code target} may be null. */
    void compare(String scenario, String unit, Figure ours, Figure curator, Target target, String note) {
        add(new Row(scenario, unit, ours, curator, target, note));
    }

    void failed(String scenario, Throwable failure) {
        out.printf(Locale.ROOT, "%-26s FAILED: %s%n", scenario, failure);
    }

    /** The markdown table of every row so far. */
    void printTable() {
        out.println();
        out.println("| scenario | ours | Curator | ratio | target | met? | note |");
        out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", r.scenario, r.ours.format(r.unit),
                    r.curator == null ? "-" : r.curator.format(r.unit), ratioText(r),
                    r.target == null ? "-" : r.target.describe(overLink), metText(r), r.note == null ? "" : r.note);
        }
    }

    private void add(Row r) {
        rows.add(r);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-26s ", r.scenario));
        if (r.curator == null) {
            line.append(r.ours.format(r.unit));
        } else {
            line.append("ours ").append(r.ours.format(r.unit)).append(" | curator ")
                    .append(r.curator.format(r.unit)).append(" | ratio ").append(ratioText(r));
            if (r.target != null) {
                line.append(" (target ").append(r.target.describe(overLink)).append(": ").append(metText(r)).append(')');
            }
        }
        if (r.note != null) {
            line.append(" | ").append(r.note);
        }
        out.println(line);
    }

    private static String ratioText(Row r) {
        return r.curator == null ? "-" : number(ratio(r)) + "x";
    }

    private String metText(Row r) {
        if (r.target == null || r.curator == null) {
            return "-";
        }
        return r.target.met(ratio(r), overLink) ? "met" : "not met";
    }

    private static double ratio(Row r) {
        return r.ours.p50() / r.curator.p50();
    }

    /** Three significant digits or so, without exponents. */
    static String number(double v) {
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }
}
