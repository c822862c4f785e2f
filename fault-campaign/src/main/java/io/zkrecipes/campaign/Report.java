package io.zkrecipes.campaign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The run's report.md: what was run, what was injected, what was done, and what the checkers found. */
final class Report {
    private static final int SHOWN_VIOLATIONS = 20;

    private Report() {
    }

    static void write(Path file, Campaign.Settings settings, Campaign.Result result) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Fault campaign, seed ").append(settings.seed()).append("\n\n");
        md.append("- command: `").append(settings.command()).append("`\n");
        md.append("- started: ").append(Instant.ofEpochMilli(result.startWall())).append(", ran ")
                .append(settings.duration().toSeconds()).append(" s\n");
        md.append("- ").append(settings.workers()).append(" workers (own JVM, own proxy each), workloads ")
                .append(String.join(", ", settings.workloads())).append(", session timeout ")
                .append(settings.sessionTimeout().toMillis()).append(" ms\n");
        md.append(String.format("- settled at %.1f s (no more changes to what the observers check), workers stopped at "
                + "%.1f s; what the campaign did itself after that is recorded as `%s`%n",
                (result.settleMono() - result.startMono()) / 1e9, (result.stopMono() - result.startMono()) / 1e9,
                Campaign.CAMPAIGN));
        md.append("- store: ").append(settings.unfenced() ? "**unfenced** (accepts every token)" : "fenced")
                .append("\n");
        md.append("- result: ").append(result.passed() ? "**no violation**" : "**" + result.violationCount()
                + " violation(s)**").append("\n\n");
        faults(md, result.faults());
        operations(md, result.operations());
        verdicts(md, result.verdicts());
        md.append("## Timeline\n\n![timeline](timeline.png)\n\n");
        faultLog(md, result);
        Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
    }

    private static void faults(StringBuilder md, List<FaultWindow> faults) {
        Map<Fault.Kind, long[]> byKind = new EnumMap<>(Fault.Kind.class);
        for (FaultWindow f : faults) {
            long[] countAndMillis = byKind.computeIfAbsent(f.kind(), k -> new long[2]);
            countAndMillis[0]++;
            countAndMillis[1] += f.endWall() - f.startWall();
        }
        md.append("## Faults injected: ").append(faults.size()).append("\n\n| kind | count | total time |\n|---|---:|---:|\n");
        byKind.forEach((kind, c) -> md.append("| ").append(kind.description).append(" | ").append(c[0])
                .append(" | ").append(String.format("%.1f s", c[1] / 1000.0)).append(" |\n"));
        md.append('\n');
    }

    private static void operations(StringBuilder md, List<Operation> ops) {
        Map<String, long[]> counts = new TreeMap<>();
        for (Operation o : ops) {
            counts.computeIfAbsent(o.workload() + " | " + o.op(), k -> new long[3])[o.outcome().ordinal()]++;
        }
        md.append("## Operations: ").append(ops.size())
                .append("\n\n| workload | operation | ok | failed | unknown |\n|---|---|---:|---:|---:|\n");
        counts.forEach((k, c) -> md.append("| ").append(k).append(" | ").append(c[0]).append(" | ").append(c[1])
                .append(" | ").append(c[2]).append(" |\n"));
        md.append('\n');
    }

    private static void verdicts(StringBuilder md, List<Checker.Verdict> verdicts) {
        md.append("## Checkers\n\n| checker | property | checked | violations |\n|---|---|---:|---:|\n");
        for (Checker.Verdict v : verdicts) {
            md.append("| ").append(v.checker()).append(" | ").append(v.property()).append(" | ").append(v.checked())
                    .append(" | ").append(v.violations().size()).append(" |\n");
        }
        md.append('\n');
        for (Checker.Verdict v : verdicts) {
            if (!v.passed()) {
                md.append("Violations of `").append(v.checker()).append("`:\n\n");
                v.violations().stream().limit(SHOWN_VIOLATIONS).forEach(s -> md.append("- ").append(s).append('\n'));
                if (v.violations().size() > SHOWN_VIOLATIONS) {
                    md.append("- ... and ").append(v.violations().size() - SHOWN_VIOLATIONS).append(" more\n");
                }
                md.append('\n');
            }
        }
    }

    private static void faultLog(StringBuilder md, Campaign.Result result) {
        md.append("## Fault log\n\n| from (s) | to (s) | kind | target |\n|---:|---:|---|---|\n");
        for (FaultWindow f : result.faults()) {
            md.append(String.format("| %.1f | %.1f | %s | %s |%n", (f.startMono() - result.startMono()) / 1e9,
                    (f.endMono() - result.startMono()) / 1e9, f.kind().label(), f.target()));
        }
        md.append("\nFiles: `history.tsv` (merged operations), `store.history` (the store's decisions), "
                + "`faults.tsv`, `workers/`, `zk1..3/server.log`.\n");
    }
}
