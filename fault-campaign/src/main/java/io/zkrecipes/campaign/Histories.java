package io.zkrecipes.campaign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Merges the workers' history files into one list of operations ordered by invocation time. */
final class Histories {
    private Histories() {
    }

    static List<Operation> merge(List<Path> files) throws IOException {
        List<Operation> all = new ArrayList<>();
        for (Path file : files) {
            if (Files.exists(file)) {
                all.addAll(parse(Files.readAllLines(file, StandardCharsets.UTF_8)));
            }
        }
        all.sort(Comparator.comparingLong(Operation::startMono));
        return all;
    }

    /** Pairs each invocation with its outcome; a line cut short by a kill is skipped. */
    static List<Operation> parse(List<String> lines) {
        Map<String, String[]> open = new LinkedHashMap<>();
        List<Operation> done = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            if (f.length < 8) {
                continue;
            }
            String key = f[2] + "/" + f[3];
            if (HistoryWriter.INVOKE.equals(f[4])) {
                open.put(key, f);
                continue;
            }
            String[] start = open.remove(key);
            if (start != null) {
                done.add(operation(start, outcome(f[4]), f[7], Long.parseLong(f[1])));
            }
        }
        open.values().forEach(start -> done.add(operation(start, Operation.Outcome.UNKNOWN, "", -1)));
        return done;
    }

    /** The merged history as one file, for people: the same columns as the workers' files. */
    static void write(List<Operation> ops, Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Operation o : ops) {
            lines.add(o.startWall() + "\t" + o.startMono() + "\t" + o.endMono() + "\t" + o.worker() + "\t" + o.id()
                    + "\t" + o.workload() + "\t" + o.op() + "\t" + o.input() + "\t" + o.outcome() + "\t" + o.result());
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static Operation.Outcome outcome(String event) {
        switch (event) {
            case HistoryWriter.OK:
                return Operation.Outcome.OK;
            case HistoryWriter.FAIL:
                return Operation.Outcome.FAILED;
            default:
                return Operation.Outcome.UNKNOWN;
        }
    }

    private static Operation operation(String[] start, Operation.Outcome outcome, String result, long endMono) {
        return new Operation(start[2], Long.parseLong(start[3]), start[5], start[6], start[7], outcome, result,
                Long.parseLong(start[0]), Long.parseLong(start[1]), endMono);
    }
}
