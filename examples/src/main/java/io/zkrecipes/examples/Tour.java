package io.zkrecipes.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the examples one after another against one ensemble — an embedded 3-server ensemble unless
 * {@code --connect host:port,...} names a real one — and prints a summary.
 *
 * <p>Arguments: {@code [example...] [--connect host:port,...]}; with no example names, all of them
 * run in this order: {@code lock election queue priority barrier config naming progress
 * partition}. The exit status is 0 when
 * every checked fact held, 1 otherwise, 2 for bad arguments.
 */
public final class Tour {
    static final Map<String, Example> EXAMPLES = examples();

    private Tour() {
    }

    /** Runs the tour (or the named examples) and exits with its status. */
    public static void main(String[] args) {
        try {
            Example.exit(run(args, System.out));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }

    /**
     * Runs the named examples, or all of them, printing to {@code out}.
     *
     * @return whether every example's checks held
     * @throws IllegalArgumentException if an argument or an example name is unknown
     */
    static boolean run(String[] args, PrintStream out) {
        Args parsed = Args.parse(args);
        List<String> names = parsed.names().isEmpty() ? List.copyOf(EXAMPLES.keySet()) : parsed.names();
        for (String name : names) {
            if (!EXAMPLES.containsKey(name)) {
                throw new IllegalArgumentException("unknown example '" + name + "'; known: " + EXAMPLES.keySet());
            }
        }
        long start = System.nanoTime();
        List<String> failed = new ArrayList<>();
        try (Ensemble ensemble = Ensemble.open(parsed.connect(), out)) {
            for (String name : names) {
                if (!Example.playOn(name, EXAMPLES.get(name), ensemble, out)) {
                    failed.add(name);
                }
            }
        }
        out.println();
        out.printf("Tour finished in %.1f s: %d of %d examples held every check%s%n", (System.nanoTime() - start) / 1e9,
                names.size() - failed.size(), names.size(), failed.isEmpty() ? "" : "; failed: " + failed);
        return failed.isEmpty();
    }

    private static Map<String, Example> examples() {
        Map<String, Example> all = new LinkedHashMap<>();
        all.put("lock", LockExample::play);
        all.put("election", ElectionExample::play);
        all.put("queue", QueueExample::play);
        all.put("priority", PriorityExample::play);
        all.put("barrier", BarrierExample::play);
        all.put("config", ConfigExample::play);
        all.put("naming", NamingExample::play);
        all.put("progress", ProgressExample::play);
        all.put("partition", PartitionExample::play);
        return all;
    }
}
