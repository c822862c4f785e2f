package io.zkrecipes.cli;

import io.zkrecipes.core.ZkPaths;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code zkr config PATH}: the keys and values of a configuration store of recipes-config. Each
 * key is a persistent child node of the root PATH; its data is the value (UTF-8 text, or raw bytes
 * written with putBytes), its data version is the version compareAndSet expects.
 */
@Command(name = "config", description = "The keys and values of the configuration store at PATH, with each key's"
        + " version and when it was last written.")
final class ConfigCommand implements Callable<Integer> {
    @ParentCommand
    private Zkr zkr;

    @Parameters(paramLabel = "PATH", description = "The store's root, as given to ConfigStore.create(client, root).")
    private String path;

    /** One key; {@code value} is null for a key this client may not read. */
    record Entry(String key, Show.Data value, Integer version, String modified) {
    }

    record ConfigReport(String path, List<Entry> entries) implements Report {
        @Override
        public void print(PrintWriter out) {
            out.println("config " + path + (entries.isEmpty() ? ": no keys" : ""));
            int width = entries.stream().mapToInt(e -> e.key.length()).max().orElse(0);
            for (Entry e : entries) {
                if (e.value == null) {
                    out.printf("  %-" + width + "s  (no permission to read)%n", e.key);
                } else {
                    out.printf("  %-" + width + "s  %s  (version %d, written %s)%n", e.key, Show.preview(e.value),
                            e.version, e.modified);
                }
            }
        }
    }

    @Override
    public Integer call() {
        String root = Zkr.checkPath(path, "PATH");
        return zkr.inspect(nodes -> read(nodes, root));
    }

    static ConfigReport read(Nodes nodes, String root) {
        if (root.equals("/")) {
            throw Failure.notA("a configuration store", root, "a store never has the root as its node");
        }
        nodes.get(root);
        List<Entry> entries = new ArrayList<>();
        for (String key : nodes.childrenOrNone(root).stream().sorted().toList()) {
            entry(nodes, ZkPaths.join(root, key)).ifPresent(entries::add);
        }
        return new ConfigReport(root, entries);
    }

    private static Optional<Entry> entry(Nodes nodes, String path) {
        String key = ZkPaths.name(path);
        try {
            return nodes.find(path).map(n -> new Entry(key, Show.Data.of(n.data()), n.stat().getVersion(),
                    n.modified().toString()));
        } catch (Failure refused) {
            if (refused.exitCode() != Failure.REFUSED) {
                throw refused;
            }
            return Optional.of(new Entry(key, null, null, null)); // its ACL denies us READ: the others still show
        }
    }
}
