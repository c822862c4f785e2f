package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Sequences;
import io.zkrecipes.core.internal.Session;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;

/**
 * Puts items into the tail bucket. One put is one multi: the item creates (persistent
 * sequential, named with a fresh prefix) and the write of a marker with that prefix. After a
 * lost reply the marker tells whether the multi was applied, so a retry never duplicates an item,
 * even if a consumer took it meanwhile or the session expired. A bucket is full once a put got
 * a sequence at or past the capacity; the next put goes to the next bucket. Thread-safe.
 */
final class Producer {
    private final ZkClient client;
    private final QueueLayout layout;
    private final Markers markers;
    private final int capacity;
    private long tail = -1; // guarded by this; -1 until the queue was listed

    Producer(ZkClient client, QueueLayout layout, Markers markers, int capacity) {
        this.client = client;
        this.layout = layout;
        this.markers = markers;
        this.capacity = capacity;
    }

    /** Puts all items in one bucket, atomically; blocks until applied or failed. */
    void put(List<byte[]> items) throws KeeperException, InterruptedException {
        String prefix = QueueLayout.newItemPrefix();
        String marker = markers.acquire();
        try {
            boolean[] unknown = {false};
            Session.of(client).retryThroughExpiry(Deadline.none(), () -> {
                if (unknown[0] && markers.holds(marker, prefix)) {
                    return null; // the lost multi was applied
                }
                return attempt(items, prefix, marker, unknown);
            });
        } finally {
            markers.release(marker);
        }
    }

    private Void attempt(List<byte[]> items, String prefix, String marker, boolean[] unknown)
            throws KeeperException, InterruptedException {
        long bucket = tail();
        String bucketPath = layout.bucketPath(bucket);
        List<Op> ops = new ArrayList<>(items.size() + 1);
        for (byte[] data : items) {
            ops.add(Session.of(client).ops().createOp(ZkPaths.join(bucketPath, prefix), data, CreateMode.PERSISTENT_SEQUENTIAL));
        }
        ops.add(Markers.write(marker, prefix));
        try {
            List<OpResult> results = AsyncOps.join(Session.of(client).ops().multi(ops));
            OpResult last = results.get(items.size() - 1);
            advanceIfFull(bucket, Sequences.sequence(((OpResult.CreateResult) last).getPath()));
            return null;
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code()) || e.code() == Code.SESSIONEXPIRED) {
                unknown[0] = true;
                throw e;
            }
            if (e.code() != Code.NONODE) {
                throw e;
            }
            // the multi was not applied: repair what is missing and try again
            if (marker.equals(e.getPath())) {
                markers.create(marker);
            } else {
                bucketMissing(bucket);
            }
            return attempt(items, prefix, marker, unknown);
        }
    }

    private synchronized long tail() throws KeeperException, InterruptedException {
        if (tail < 0) {
            List<Long> buckets = listBuckets();
            tail = buckets.isEmpty() ? 0 : buckets.get(buckets.size() - 1);
        }
        return tail;
    }

    private synchronized void advanceIfFull(long bucket, long sequence) {
        if (sequence >= capacity - 1 && tail == bucket) {
            tail = bucket + 1;
        }
    }

    /**
     * Bucket {@code bucket} is gone (drained and deleted by consumers, or reaped by the server):
     * move to the newest bucket if there is a later one, else create it again. A bucket is never
     * re-created below a later one, so consumers that moved on never miss an item.
     */
    private void bucketMissing(long bucket) throws KeeperException, InterruptedException {
        List<Long> buckets = listBuckets();
        long newest = buckets.isEmpty() ? -1 : buckets.get(buckets.size() - 1);
        synchronized (this) {
            if (newest > bucket) {
                tail = Math.max(tail, newest);
                return;
            }
        }
        try {
            AsyncOps.join(Session.of(client).ops().createWithParents(layout.bucketPath(bucket), new byte[0],
                    CreateMode.CONTAINER));
        } catch (KeeperException.NodeExistsException e) {
            // another producer made it
        }
    }

    private List<Long> listBuckets() throws KeeperException, InterruptedException {
        try {
            return QueueLayout.buckets(AsyncOps.join(Session.of(client).ops().getChildren(layout.root, null)).names());
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }
}
