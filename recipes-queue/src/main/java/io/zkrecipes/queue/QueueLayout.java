package io.zkrecipes.queue;

import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * Where a queue keeps its nodes:
 * <pre>
 * queue/b-0000000007/i&lt;16 hex&gt;_0000000042   items (persistent sequential) in buckets (containers)
 * queue/claims/b-0000000007.i..._0000000042  a processing claim (ephemeral)
 * queue/attempts/b-0000000007.i..._...       failed attempts so far (persistent, decimal)
 * queue/dead-letter/b-0000000007.i..._...    items that failed too often (persistent)
 * queue/markers/&lt;instance&gt;                   an instance's owner node (ephemeral)
 * queue/markers/&lt;instance&gt;-&lt;slot&gt;            what the slot's last put or take was (persistent)
 * </pre>
 * An item's key ({@code bucket.item}) names it in the side directories. A queue of lanes (priority
 * and delay queues) keeps each lane's buckets under {@code queue/<lane>} (a container), shares the
 * side directories, and keys its items {@code lane.bucket.item}.
 */
final class QueueLayout {
    static final String BUCKET_PREFIX = "b-";
    static final String ITEM_PREFIX = "i";
    /** Bytes a listing spends on one item name: 4 (length) + 'i' + 16 hex + '_' + 10 digits. */
    static final int LISTED_NAME_BYTES = 32;
    /** Bytes a listing spends on one bucket name: 4 (length) + "b-" + 10 digits. */
    static final int LISTED_BUCKET_BYTES = 16;
    static final byte[] EMPTY = new byte[0];

    final String root;
    /** Where the buckets are: the queue node, or a lane of it. */
    final String items;
    /** The lane's name, or empty for a plain queue. */
    final String lane;
    final String claims;
    final String attempts;
    final String deadLetter;
    final String markers;

    QueueLayout(String root) {
        this(root, "");
    }

    private QueueLayout(String root, String lane) {
        this.root = root;
        this.lane = lane;
        this.items = lane.isEmpty() ? root : ZkPaths.join(root, lane);
        this.claims = ZkPaths.join(root, "claims");
        this.attempts = ZkPaths.join(root, "attempts");
        this.deadLetter = ZkPaths.join(root, "dead-letter");
        this.markers = ZkPaths.join(root, "markers");
    }

    /** The layout of lane {@code name} of this queue: its own buckets, the queue's side directories. */
    QueueLayout lane(String name) {
        return new QueueLayout(root, name);
    }

    boolean isLane() {
        return !lane.isEmpty();
    }

    /**
     * Makes sure the queue exists: one read when it does (a create that fails with "exists" still
     * costs the ensemble a write), {@link #create} when it does not.
     */
    void ensure(Session session, Deadline deadline) throws KeeperException, InterruptedException {
        // the directories are created in order, so the last one present means all were made
        if (deadline.join(session.ops().exists(markers, null)) == null) {
            create(session, deadline);
        }
    }

    /**
     * Creates the queue node (its parents as containers) and its side directories where missing.
     * One round trip when the parent exists.
     */
    void create(Session session, Deadline deadline) throws KeeperException, InterruptedException {
        AsyncOps ops = session.ops();
        List<CompletableFuture<AsyncOps.Created>> made = new ArrayList<>();
        // pipelined: the queue node and its directories in one round trip, applied in this order
        for (String path : List.of(root, claims, attempts, deadLetter, markers)) {
            made.add(ops.create(path, EMPTY, CreateMode.PERSISTENT));
        }
        boolean parentMissing = false;
        for (CompletableFuture<AsyncOps.Created> f : made) {
            try {
                deadline.join(f);
            } catch (KeeperException.NodeExistsException e) {
                // an existing queue
            } catch (KeeperException.NoNodeException e) {
                parentMissing = true;
            }
        }
        if (parentMissing) {
            deadline.join(ops.ensureContainers(ZkPaths.parent(root)));
            create(session, deadline);
        }
    }

    /**
     * Creates the node the buckets go under where missing: the queue's nodes, and for a lane its
     * container. Only producers make lanes: a lane made without a bucket would never be reaped.
     */
    void createItems(Session session, Deadline deadline) throws KeeperException, InterruptedException {
        if (!isLane()) {
            create(session, deadline);
            return;
        }
        try {
            deadline.join(session.ops().create(items, EMPTY, CreateMode.CONTAINER));
        } catch (KeeperException.NodeExistsException e) {
            // made by another producer
        } catch (KeeperException.NoNodeException e) {
            create(session, deadline);
            createItems(session, deadline);
        }
    }

    static String bucketName(long number) {
        return String.format("%s%010d", BUCKET_PREFIX, number);
    }

    /** The bucket's number, or -1 if {@code name} is not a bucket. */
    static long bucketNumber(String name) {
        if (!name.startsWith(BUCKET_PREFIX) || name.length() != BUCKET_PREFIX.length() + 10) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(BUCKET_PREFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The bucket numbers among {@code children}, ascending. */
    static List<Long> buckets(List<String> children) {
        List<Long> numbers = new ArrayList<>();
        for (String child : children) {
            long n = bucketNumber(child);
            if (n >= 0) {
                numbers.add(n);
            }
        }
        numbers.sort(null);
        return numbers;
    }

    String bucketPath(long number) {
        return ZkPaths.join(items, bucketName(number));
    }

    /** A fresh unique item-name prefix: the create appends the sequence. */
    static String newItemPrefix() {
        return ITEM_PREFIX + String.format("%016x", ThreadLocalRandom.current().nextLong()) + "_";
    }

    static boolean isItem(String name) {
        return name.startsWith(ITEM_PREFIX) && name.indexOf('_') == ITEM_PREFIX.length() + 16;
    }

    String key(long bucket, String item) {
        String key = bucketName(bucket) + "." + item;
        return isLane() ? lane + "." + key : key;
    }

    String claimPath(String key) {
        return ZkPaths.join(claims, key);
    }

    String attemptsPath(String key) {
        return ZkPaths.join(attempts, key);
    }

    String deadLetterPath(String key) {
        return ZkPaths.join(deadLetter, key);
    }
}
