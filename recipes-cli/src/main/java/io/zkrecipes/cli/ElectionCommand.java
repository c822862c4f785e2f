package io.zkrecipes.cli;

import io.zkrecipes.core.ZkPaths;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code zkr election PATH}: the leader and the line of an election of recipes-election. Each
 * participant is an ephemeral sequential {@code member-<id>_<seq>} child of PATH whose data is the
 * participant's id in UTF-8, then, if it published data, a NUL byte and that data. The first in
 * sequence order is entitled to lead; its fencing token (the epoch of its term) is its node's czxid.
 */
@Command(name = "election", description = "Who leads the election at PATH (id, session, fencing token) and the"
        + " participants in line, with the data they published.")
final class ElectionCommand implements Callable<Integer> {
    private static final String MEMBER = "member-";

    @ParentCommand
    private Zkr zkr;

    @Parameters(paramLabel = "PATH", description = "The election's path, as given to LeaderElection.builder(client, path, id).")
    private String path;

    record Participant(int position, String id, Show.Data data, String node, String session, long fencingToken,
            String joined, long inLineMillis) {
    }

    record ElectionReport(String path, Participant leader, List<Participant> participants) implements Report {
        @Override
        public void print(PrintWriter out) {
            out.println("election " + path);
            if (leader == null) {
                out.println("leader        none: nobody takes part");
            } else {
                Show.field(out, "", 13, "leader", leader.id);
                Show.field(out, "  ", 7, "node", leader.node);
                Show.field(out, "  ", 7, "session", leader.session);
                Show.field(out, "  ", 7, "token", leader.fencingToken);
                Show.field(out, "  ", 7, "in line", Show.age(leader.inLineMillis) + ", since " + leader.joined);
            }
            Show.field(out, "", 13, "participants", participants.size() + (participants.isEmpty() ? "" : ", in line"));
            for (Participant p : participants) {
                out.printf("  %d. %s  %s  session %s  token %d  data %s%s%n", p.position, p.id, p.node, p.session,
                        p.fencingToken, p.data.bytes() == 0 ? "(none)" : Show.preview(p.data),
                        p.position == 1 ? "  (leader)" : "");
            }
        }

    }

    @Override
    public Integer call() {
        String election = Zkr.checkPath(path, "PATH");
        return zkr.inspect(nodes -> read(nodes, election));
    }

    static ElectionReport read(Nodes nodes, String path) {
        nodes.get(path);
        List<String> children = nodes.childrenOrNone(path);
        for (String child : children) {
            if (!Line.isMember(child, MEMBER)) {
                throw Failure.notA("an election", path, "its child '" + child + "' is not a participant (member-<id>_<sequence>)");
            }
        }
        Instant now = Instant.now();
        List<Participant> line = new ArrayList<>();
        for (String name : Line.inOrder(children)) {
            nodes.find(ZkPaths.join(path, name)).ifPresent(n -> line.add(participant(line.size() + 1, n, now)));
        }
        return new ElectionReport(path, line.isEmpty() ? null : line.get(0), line);
    }

    /** Decodes {@code <id>[NUL <data>]}. */
    private static Participant participant(int position, Nodes.Node n, Instant now) {
        byte[] content = n.data();
        int nul = 0;
        while (nul < content.length && content[nul] != 0) {
            nul++;
        }
        String id = new String(content, 0, nul, StandardCharsets.UTF_8);
        byte[] data = nul < content.length ? Arrays.copyOfRange(content, nul + 1, content.length) : new byte[0];
        return new Participant(position, id, Show.Data.of(data), ZkPaths.name(n.path()), Show.session(n.owner()),
                n.stat().getCzxid(), n.created().toString(), Show.ageMillis(n.created(), now));
    }
}
