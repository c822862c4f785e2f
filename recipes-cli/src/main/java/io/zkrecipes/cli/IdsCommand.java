package io.zkrecipes.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code zkr ids PATH}: the counter of an IdGenerator of recipes-naming. The counter node holds the
 * next free id in decimal, then a space and the token of the lease that wrote it; every lease of a
 * block of ids is one write, so the node's data version counts the leases.
 */
@Command(name = "ids", description = "The id counter at PATH: the next id a lease would hand out, how many blocks"
        + " were leased and when the last one was.")
final class IdsCommand implements Callable<Integer> {
    @ParentCommand
    private Zkr zkr;

    @Parameters(paramLabel = "PATH", description = "The counter's path, as given to IdGenerator.create(client, counterPath).")
    private String path;

    record IdsReport(String path, long nextId, int leases, String lastLease) implements Report {
        @Override
        public void print(PrintWriter out) {
            out.println("id counter " + path);
            Show.field(out, "", 10, "next id", nextId + " (ids below it were leased; unused ones are never handed out)");
            Show.field(out, "", 10, "leases", leases);
            Show.field(out, "", 10, "last lease", leases == 0 ? "none" : lastLease);
        }
    }

    @Override
    public Integer call() {
        String counter = Zkr.checkPath(path, "PATH");
        return zkr.inspect(nodes -> read(nodes, counter));
    }

    static IdsReport read(Nodes nodes, String path) {
        Nodes.Node node = nodes.get(path);
        String text = new String(node.data(), StandardCharsets.US_ASCII).trim();
        int space = text.indexOf(' ');
        String number = space < 0 ? text : text.substring(0, space);
        try {
            long next = Long.parseLong(number);
            if (next >= 1) {
                return new IdsReport(path, next, node.stat().getVersion(), node.modified().toString());
            }
        } catch (NumberFormatException e) {
            // not a counter
        }
        throw Failure.notA("an id counter", path, "its data is not '<next id> [token]'");
    }
}
