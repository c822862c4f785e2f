package io.zkrecipes.cli;

import io.zkrecipes.core.ZkPaths;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code zkr lock PATH}: who holds a lock and who waits, for each lock kind of recipes-lock. The
 * kind is told by the nodes, as the kinds lay them out:
 * <ul>
 * <li>{@code ExclusiveLock}: one ephemeral node at PATH, owned by the holder; waiters only watch it,
 * so they leave no node.</li>
 * <li>{@code SequentialLock}: ephemeral sequential {@code lock-<id>_<seq>} children of PATH; the
 * first in sequence order holds, the others wait in that order.</li>
 * <li>{@code ReadWriteLock}: {@code read-<id>_<seq>} and {@code write-<id>_<seq>} children in one
 * line; a reader holds while no writer is ahead of it, a writer while nobody is.</li>
 * <li>{@code CountingSemaphore}: {@code PATH/leases/lease-<id>} (one ephemeral node per lease held)
 * and {@code PATH/queue/queue-<id>_<seq>} (the waiting line, head first).</li>
 * </ul>
 * The fencing token of a hold is the czxid of the holder's node; a semaphore's is the czxid of the
 * queue node the lease replaced, which no longer exists, so it cannot be shown.
 */
@Command(name = "lock", description = "Who holds the lock at PATH (session, fencing token, how long) and who waits,"
        + " in order. Tells exclusive, sequential and read/write locks and counting semaphores apart by their nodes.")
final class LockCommand implements Callable<Integer> {
    private static final String LOCK = "lock-";
    private static final String READ = "read-";
    private static final String WRITE = "write-";
    private static final String QUEUE = "queue";
    private static final String LEASES = "leases";
    private static final String QUEUED = "queue-";

    @ParentCommand
    private Zkr zkr;

    @Parameters(paramLabel = "PATH", description = "The lock's path, as given to the lock's create(client, path).")
    private String path;

    @Option(names = "--revoke", description = "Also ask the holders to release (cooperative: each holder's lease is"
            + " told; nothing is forced), then wait up to --timeout for them to let go.")
    private boolean revoke;

    /** One node of a lock: a hold or a place in line. {@code fencingToken} is null where the nodes do not keep it. */
    record Member(String node, String mode, String session, Long fencingToken, String since, long forMillis) {
    }

    record LockReport(String path, String kind, List<Member> holders, List<Member> waiters, String note)
            implements Report {
        @Override
        public void print(PrintWriter out) {
            out.printf("lock %s (%s)%n", path, describe(kind));
            if (holders.isEmpty()) {
                out.println("holder   none: the lock is free");
            }
            for (Member h : holders) {
                Show.field(out, "", 8, "holder", h.node + (h.mode.equals("read") ? " (reader)" : ""));
                Show.field(out, "  ", 7, "session", h.session);
                Show.field(out, "  ", 7, "token", h.fencingToken == null ? "not kept in the nodes" : h.fencingToken);
                Show.field(out, "  ", 7, "held", Show.age(h.forMillis) + ", since " + h.since);
            }
            Show.field(out, "", 8, "waiters", waiters.size() + (waiters.isEmpty() ? "" : ", in order"));
            for (int i = 0; i < waiters.size(); i++) {
                Member w = waiters.get(i);
                out.printf("  %d. %s%s  session %s  waiting %s%n", i + 1, w.node,
                        w.mode.equals("read") || w.mode.equals("write") ? " (" + w.mode + ")" : "", w.session,
                        Show.age(w.forMillis));
            }
            if (note != null) {
                out.println("note     " + note);
            }
        }

        private static String describe(String kind) {
            return switch (kind) {
                case "exclusive" -> "exclusive lock";
                case "sequential" -> "sequential lock";
                case "read-write" -> "read/write lock";
                case "semaphore" -> "counting semaphore";
                default -> "an empty line: a sequential or read/write lock nobody holds";
            };
        }
    }

    @Override
    public Integer call() {
        String lock = Zkr.checkPath(path, "PATH");
        return revoke ? zkr.run(client -> Revocation.revoke(client, lock, zkr.timeout()))
                : zkr.inspect(nodes -> read(nodes, lock));
    }

    static LockReport read(Nodes nodes, String path) {
        Nodes.Node node = nodes.get(path);
        Instant now = Instant.now();
        if (node.owner() != 0) {
            return new LockReport(path, "exclusive", List.of(member(node, "exclusive", node.stat().getCzxid(), now)),
                    List.of(), "waiters of an exclusive lock only watch the holder's node, so they cannot be listed");
        }
        List<String> children = nodes.childrenOrNone(path);
        if (children.contains(QUEUE) || children.contains(LEASES)) {
            return semaphore(nodes, path, now);
        }
        if (children.isEmpty()) {
            if (node.data().length > 0) {
                throw Failure.notA("a lock", path, "it has data and no children");
            }
            return new LockReport(path, "empty", List.of(), List.of(), null);
        }
        return line(nodes, path, children, now);
    }

    /** A sequential or read/write lock: one line of members, holders first. */
    private static LockReport line(Nodes nodes, String path, List<String> children, Instant now) {
        for (String child : children) {
            if (!Line.isMember(child, LOCK) && !Line.isMember(child, READ) && !Line.isMember(child, WRITE)) {
                throw Failure.notA("a lock", path, "its child '" + child + "' is not a lock member (lock-, read- or"
                        + " write-<id>_<sequence>)" + (child.startsWith("member-") ? "; it looks like an election" : ""));
            }
        }
        boolean readWrite = children.stream().anyMatch(c -> !c.startsWith(LOCK));
        List<Member> holders = new ArrayList<>();
        List<Member> waiters = new ArrayList<>();
        boolean writerAhead = false;
        int ahead = 0;
        for (String name : Line.inOrder(children)) {
            Optional<Nodes.Node> member = nodes.find(ZkPaths.join(path, name));
            if (member.isEmpty()) {
                continue; // left after the listing
            }
            boolean reader = name.startsWith(READ);
            String mode = reader ? "read" : name.startsWith(WRITE) ? "write" : "exclusive";
            // the rule each kind waits by: a reader for writers ahead, anyone else for everyone ahead
            boolean holds = reader ? !writerAhead : ahead == 0;
            Nodes.Node n = member.get();
            (holds ? holders : waiters).add(member(n, mode, n.stat().getCzxid(), now));
            writerAhead |= !reader;
            ahead++;
        }
        return new LockReport(path, readWrite ? "read-write" : "sequential", holders, waiters, null);
    }

    private static LockReport semaphore(Nodes nodes, String path, Instant now) {
        String leases = ZkPaths.join(path, LEASES);
        List<Nodes.Node> held = new ArrayList<>();
        for (String name : nodes.childrenOrNone(leases)) {
            nodes.find(ZkPaths.join(leases, name)).ifPresent(held::add);
        }
        held.sort(Comparator.comparingLong(n -> n.stat().getCzxid())); // in grant order
        List<Member> holders = held.stream().map(n -> member(n, "lease", null, now)).toList();
        String queue = ZkPaths.join(path, QUEUE);
        List<Member> waiters = new ArrayList<>();
        for (String name : Line.inOrder(nodes.childrenOrNone(queue))) {
            if (Line.isMember(name, QUEUED)) {
                nodes.find(ZkPaths.join(queue, name)).ifPresent(n -> waiters.add(member(n, "queued", null, now)));
            }
        }
        return new LockReport(path, "semaphore", holders, waiters, "the number of permits is not stored in the nodes;"
                + " a lease's fencing token is the czxid of the queue node it replaced, which is gone");
    }

    private static Member member(Nodes.Node n, String mode, Long token, Instant now) {
        return new Member(ZkPaths.name(n.path()), mode, Show.session(n.owner()), token, n.created().toString(),
                Show.ageMillis(n.created(), now));
    }
}
