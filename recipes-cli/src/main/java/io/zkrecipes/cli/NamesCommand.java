package io.zkrecipes.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code zkr names PATH}: the node of a UniqueNameGenerator of recipes-naming. Each name is the zxid
 * of one write of that empty node (its creation, then one empty setData per name), so the last name
 * handed out is the node's mzxid and the number handed out is its data version plus one.
 */
@Command(name = "names", description = "The unique-name generator at PATH: the last name handed out, how many and when.")
final class NamesCommand implements Callable<Integer> {
    @ParentCommand
    private Zkr zkr;

    @Parameters(paramLabel = "PATH", description = "The generator's path, as given to UniqueNameGenerator.create(client, path).")
    private String path;

    record NamesReport(String path, String lastName, long handedOut, String lastAt) implements Report {
        @Override
        public void print(PrintWriter out) {
            out.println("name generator " + path);
            Show.field(out, "", 10, "last name", lastName);
            Show.field(out, "", 10, "handed out", handedOut);
            Show.field(out, "", 10, "last at", lastAt);
        }
    }

    @Override
    public Integer call() {
        String generator = Zkr.checkPath(path, "PATH");
        return zkr.inspect(nodes -> read(nodes, generator));
    }

    static NamesReport read(Nodes nodes, String path) {
        Nodes.Node node = nodes.get(path);
        if (node.data().length > 0 || node.stat().getNumChildren() > 0 || node.owner() != 0) {
            throw Failure.notA("a name generator", path, "a generator's node is persistent, empty and has no children");
        }
        return new NamesReport(path, String.format("%019d", node.stat().getMzxid()), node.stat().getVersion() + 1L,
                node.modified().toString());
    }
}
