package io.zkrecipes.queue;

import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Sequences;
import io.zkrecipes.core.internal.Session;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;

/**
 * Puts items into the tail bucket. One put is one multi: the owner check, the item creates
 * (persistent sequential, named with a fresh prefix) and the write of a marker with that prefix.
 * After a lost reply the marker tells whether the multi was applied, so a retry never duplicates
 * an item, even if a consumer took it meanwhile or the session expired. A bucket is full once a
 * put got a sequence at or past the capacity; the next put goes to the next bucket. Thread-safe.
 */
final class Producer {
    private final Session session;
    private final QueueLayout layout;
    private final Markers markers;
    private final int capacity;
    private long tail = -1; // guarded by this; -1 until the queue was listed

    Producer(Session session, QueueLayout layout, Markers markers, int capacity) {
        this.session = session;
        this.layout = layout;
        this.markers = markers;
        this.capacity = capacity;
    }

    /** Puts all items in one bucket, atomically; blocks until applied, failed or the deadline. */
    void put(List<byte[]> items, Deadline deadline) throws KeeperException, InterruptedException {
        String prefix = QueueLayout.newItemPrefix();
        Markers.Slot marker = markers.acquire();
        try {
            boolean[] sent = {false};
            session.retryThroughExpiry(deadline, () -> {
                if (sent[0] && markers.holds(marker, prefix, "a put", deadline)) {
                    return null; // the multi whose reply was lost was applied
                }
                attempt(items, prefix, marker, sent, deadline);
                return null;
            });
        } finally {
            markers.release(marker);
        }
    }

    private void attempt(List<byte[]> items, String prefix, Markers.Slot marker, boolean[] sent, Deadline deadline)
            throws KeeperException, InterruptedException {
        markers.ensureOwner(deadline);
        long bucket = tail(deadline);
        String bucketPath = layout.bucketPath(bucket);
        AsyncOps ops = session.ops();
        List<Op> multi = new ArrayList<>(items.size() + 2);
        multi.add(markers.checkOwner());
        for (byte[] data : items) {
            multi.add(ops.createOp(ZkPaths.join(bucketPath, prefix), data, CreateMode.PERSISTENT_SEQUENTIAL));
        }
        multi.add(Markers.write(marker, prefix));
        sent[0] = true; // from here until a reply, the put may have been applied
        try {
            List<OpResult> results = deadline.join(ops.multi(multi));
            Markers.written(marker);
            OpResult last = results.get(items.size());
            advanceIfFull(bucket, Sequences.sequence(((OpResult.CreateResult) last).getPath()));
        } catch (KeeperException.NoNodeException e) {
            sent[0] = false; // refused, so not applied: repair what is missing and try again
            if (!markers.repair(e.getPath(), marker, deadline)) {
                bucketMissing(bucket, deadline);
            }
            attempt(items, prefix, marker, sent, deadline);
        }
    }

    private synchronized long tail(Deadline deadline) throws KeeperException, InterruptedException {
        if (tail < 0) {
            List<Long> buckets = listBuckets(deadline);
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
    private void bucketMissing(long bucket, Deadline deadline) throws KeeperException, InterruptedException {
        List<Long> buckets = listBuckets(deadline);
        long newest = buckets.isEmpty() ? -1 : buckets.get(buckets.size() - 1);
        synchronized (this) {
            if (newest > bucket) {
                tail = Math.max(tail, newest);
                return;
            }
        }
        try {
            deadline.join(session.ops().create(layout.bucketPath(bucket), QueueLayout.EMPTY, CreateMode.CONTAINER));
        } catch (KeeperException.NodeExistsException e) {
            // another producer made it
        } catch (KeeperException.NoNodeException e) {
            layout.create(session, deadline); // the queue node itself was deleted
        }
    }

    private List<Long> listBuckets(Deadline deadline) throws KeeperException, InterruptedException {
        try {
            return QueueLayout.buckets(deadline.join(session.ops().getChildren(layout.root, null)).names());
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }
}
