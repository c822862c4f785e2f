package io.zkrecipes.cli;

import io.zkrecipes.core.ZkPaths;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code zkr queue PATH}: what a queue of recipes-queue holds. Its layout:
 * <pre>
 * PATH/b-0000000007/i&lt;16 hex&gt;_0000000042   items (persistent sequential) in buckets
 * PATH/claims/b-0000000007.i..._0000000042  an item being processed (ephemeral, the consumer's session)
 * PATH/attempts/b-0000000007.i..._...       failed attempts so far (decimal)
 * PATH/dead-letter/b-0000000007.i..._...    items that failed too often (the item's data)
 * PATH/markers/&lt;16 hex&gt;                    a live queue instance that put or took items (ephemeral);
 *                                           &lt;instance&gt;-&lt;n&gt; are its outcome records
 * </pre>
 * An item's key ({@code bucket.item}) names it in the side directories. Buckets are taken in
 * number order, items within a bucket in sequence order. A priority or delay queue keeps its
 * buckets in lanes ({@code PATH/p-<8 hex>/b-...}, {@code PATH/d-<13 digits>/b-...}), taken in
 * name order, and keys its items {@code lane.bucket.item}; a delay queue's item data starts with
 * its delay (8 bytes, milliseconds).
 */
@Command(name = "queue", description = "What the queue at PATH holds: depth, buckets, the head item, claims in"
        + " progress with their consumer's session, items being retried, dead letters, live instances.")
final class QueueCommand implements Callable<Integer> {
    private static final String BUCKET = "b-";
    private static final String PRIORITY_LANE = "p-";
    private static final String DELAY_LANE = "d-";
    private static final String CLAIMS = "claims";
    private static final String ATTEMPTS = "attempts";
    private static final String DEAD_LETTER = "dead-letter";
    private static final String MARKERS = "markers";

    @ParentCommand
    private Zkr zkr;

    @Parameters(paramLabel = "PATH", description = "The queue's path, as given to DistributedQueue.builder(client, path, serializer).")
    private String path;

    record Bucket(String name, int items) {
    }

    record Item(String key, Show.Data data, String since, long ageMillis) {
    }

    record Claim(String key, String session, String since, long claimedMillis, int failedAttempts) {
    }

    record Retry(String key, int failedAttempts) {
    }

    record QueueReport(String path, long depth, List<Bucket> buckets, Item head, boolean headClaimed,
            List<Claim> claims, List<Retry> retrying, List<Item> deadLetters, int instances) implements Report {
        @Override
        public void print(PrintWriter out) {
            out.println("queue " + path);
            Show.field(out, "", 12, "depth", depth + (depth == 1 ? " item" : " items") + " (claimed ones included)");
            Show.field(out, "", 12, "buckets", buckets.size());
            buckets.forEach(b -> out.printf("  %s  %d items%n", b.name, b.items));
            Show.field(out, "", 12, "head", head == null ? "none: the queue is empty"
                    : head.key + "  " + Show.preview(head.data) + "  queued " + Show.age(head.ageMillis)
                            + (headClaimed ? "  (claimed)" : ""));
            Show.field(out, "", 12, "claims", claims.size() + (claims.isEmpty() ? "" : " in progress"));
            claims.forEach(c -> out.printf("  %s  session %s  for %s  failed attempts %d%n", c.key, c.session,
                    Show.age(c.claimedMillis), c.failedAttempts));
            Show.field(out, "", 12, "retrying", retrying.size() + (retrying.isEmpty() ? "" : " items failed before"));
            retrying.forEach(r -> out.printf("  %s  failed attempts %d%n", r.key, r.failedAttempts));
            Show.field(out, "", 12, "dead letters", deadLetters.size());
            deadLetters.forEach(d -> out.printf("  %s  %s  since %s%n", d.key, Show.preview(d.data), d.since));
            Show.field(out, "", 12, "instances", instances + " live (queue objects that put or took items)");
        }

    }

    @Override
    public Integer call() {
        String queue = Zkr.checkPath(path, "PATH");
        return zkr.inspect(nodes -> read(nodes, queue));
    }

    static QueueReport read(Nodes nodes, String path) {
        nodes.get(path);
        List<String> children = nodes.childrenOrNone(path);
        if (!children.contains(CLAIMS) || !children.contains(DEAD_LETTER)) {
            throw Failure.notA("a queue", path, "it has no " + CLAIMS + " and " + DEAD_LETTER + " children");
        }
        Instant now = Instant.now();
        List<Bucket> buckets = buckets(nodes, path, children);
        long depth = buckets.stream().mapToLong(Bucket::items).sum();
        Optional<Item> head = head(nodes, path, buckets, now);
        List<Claim> claims = claims(nodes, path, now);
        Set<String> claimed = new HashSet<>();
        claims.forEach(c -> claimed.add(c.key));
        return new QueueReport(path, depth, buckets, head.orElse(null), head.map(h -> claimed.contains(h.key)).orElse(false),
                claims, retrying(nodes, path, claimed), deadLetters(nodes, path, now), instances(nodes, path));
    }

    /**
     * The buckets in the order they are taken, lanes' buckets named {@code lane/bucket}, with their
     * sizes (one stat each, no listing of their items).
     */
    private static List<Bucket> buckets(Nodes nodes, String path, List<String> children) {
        List<Bucket> buckets = new ArrayList<>();
        for (String name : children.stream().sorted().toList()) {
            if (isBucket(name)) {
                addBucket(nodes, path, name, buckets);
            } else if (isLane(name)) {
                nodes.childrenOrNone(ZkPaths.join(path, name)).stream().filter(QueueCommand::isBucket).sorted()
                        .forEach(bucket -> addBucket(nodes, path, name + "/" + bucket, buckets));
            }
        }
        return buckets;
    }

    private static void addBucket(Nodes nodes, String path, String name, List<Bucket> buckets) {
        nodes.find(ZkPaths.join(path, name)).ifPresent(b -> buckets.add(new Bucket(name, b.stat().getNumChildren())));
    }

    private static boolean isBucket(String name) {
        return isNumbered(name, BUCKET, 10);
    }

    /** A priority lane ({@code p-} and 8 hex digits) or a delay lane ({@code d-} and 13 digits). */
    private static boolean isLane(String name) {
        return isNumbered(name, DELAY_LANE, 13) || name.startsWith(PRIORITY_LANE)
                && name.length() == PRIORITY_LANE.length() + 8
                && name.substring(PRIORITY_LANE.length()).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    private static boolean isNumbered(String name, String prefix, int digits) {
        return name.startsWith(prefix) && name.length() == prefix.length() + digits
                && name.substring(prefix.length()).chars().allMatch(Character::isDigit);
    }

    /** The first item of the first bucket that has one. */
    private static Optional<Item> head(Nodes nodes, String path, List<Bucket> buckets, Instant now) {
        for (Bucket b : buckets) {
            String bucket = ZkPaths.join(path, b.name);
            for (String item : Line.inOrder(nodes.childrenOrNone(bucket))) {
                Optional<Nodes.Node> n = nodes.find(ZkPaths.join(bucket, item));
                if (n.isPresent()) {
                    return Optional.of(item(b.name.replace('/', '.') + "." + item, n.get(), now));
                }
            }
        }
        return Optional.empty();
    }

    private static List<Claim> claims(Nodes nodes, String path, Instant now) {
        String dir = ZkPaths.join(path, CLAIMS);
        List<Claim> claims = new ArrayList<>();
        for (String key : nodes.childrenOrNone(dir)) {
            nodes.find(ZkPaths.join(dir, key)).ifPresent(n -> claims.add(new Claim(key, Show.session(n.owner()),
                    n.created().toString(), Show.ageMillis(n.created(), now), attempts(nodes, path, key))));
        }
        claims.sort(Comparator.comparing(Claim::key));
        return claims;
    }

    /** Items that failed before and are not being processed now. */
    private static List<Retry> retrying(Nodes nodes, String path, Set<String> claimed) {
        List<Retry> retrying = new ArrayList<>();
        nodes.childrenOrNone(ZkPaths.join(path, ATTEMPTS)).stream().filter(key -> !claimed.contains(key)).sorted()
                .forEach(key -> retrying.add(new Retry(key, attempts(nodes, path, key))));
        return retrying;
    }

    private static int attempts(Nodes nodes, String path, String key) {
        return nodes.find(ZkPaths.join(ZkPaths.join(path, ATTEMPTS), key)).map(n -> {
            try {
                return Integer.parseInt(new String(n.data(), StandardCharsets.UTF_8).trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }).orElse(0);
    }

    private static List<Item> deadLetters(Nodes nodes, String path, Instant now) {
        String dir = ZkPaths.join(path, DEAD_LETTER);
        List<Nodes.Node> dead = new ArrayList<>();
        nodes.childrenOrNone(dir).forEach(key -> nodes.find(ZkPaths.join(dir, key)).ifPresent(dead::add));
        dead.sort(Comparator.comparingLong(n -> n.stat().getCzxid())); // in the order they died
        return dead.stream().map(n -> item(ZkPaths.name(n.path()), n, now)).toList();
    }

    /** Owner nodes of live instances ({@code <16 hex>}); their outcome records carry a {@code -<n>} suffix. */
    private static int instances(Nodes nodes, String path) {
        return (int) nodes.childrenOrNone(ZkPaths.join(path, MARKERS)).stream().filter(m -> m.indexOf('-') < 0).count();
    }

    private static Item item(String key, Nodes.Node n, Instant now) {
        return new Item(key, Show.Data.of(n.data()), n.created().toString(), Show.ageMillis(n.created(), now));
    }
}
