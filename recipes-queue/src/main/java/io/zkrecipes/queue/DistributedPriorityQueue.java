package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A queue whose items carry a priority: a take gets an item of the lowest priority value first,
 * and within one priority one producer's items in the order they were put. Items are taken
 * exactly once, or processed under a claim, as in {@link DistributedQueue}.
 *
 * <pre>{@code
 * DistributedPriorityQueue<String> jobs =
 *         DistributedPriorityQueue.builder(client, "/queues/jobs", Serializer.utf8()).build();
 * jobs.put("nightly report", 10);
 * jobs.put("page the on-call", 0);
 * jobs.take(); // "page the on-call": 0 comes before 10
 * }</pre>
 *
 * <p><b>Lanes.</b> Each priority in use is a lane of its own under the queue node
 * ({@code queue/p-<priority>}, a container the server removes once drained), holding buckets as a
 * {@link DistributedQueue} does; so each priority is a FIFO queue with every guarantee of
 * {@link DistributedQueue} (exactly-once puts and takes through lost replies and session expiry,
 * one producer's order, claims and dead letters, millions of items), and a take serves the lanes in
 * priority order. Use a few levels (say up to a hundred): a consumer keeps a cursor and a watch
 * per lane.
 *
 * <p><b>Order.</b> A take returns an item of the lowest priority value among the items this
 * instance knows of when it looks; it learns of new items through watches, so an item put just
 * before a take may be seen by the take after it. Within one priority the order is that of
 * {@link DistributedQueue}: one consumer takes one producer's items in the order they were put;
 * several consumers spread over a lane's head. Puts of different priorities are independent: an
 * instance's puts are applied in call order within each priority.
 *
 * <p><b>Timeouts and failures</b> are those of {@link DistributedQueue}: {@link #poll} and
 * {@link #processNext} return within their timeout, {@link #take} waits through disconnections and
 * expiry sending nothing, and calls after {@link #close()} (or the client's close) throw
 * {@link IllegalStateException}.
 *
 * <p>Thread-safe. Making an instance sends nothing; closing it does not delete the items.
 *
 * @param <T> the item type
 */
public final class DistributedPriorityQueue<T> extends LaneQueue<T> {
    private static final String LANE_PREFIX = "p-";

    private DistributedPriorityQueue(Builder<T> b) {
        super(b, new PriorityLanes(), null, 0);
    }

    /**
     * A builder of a priority queue at {@code path} (created, with its parents, by the first call).
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid ZooKeeper path or is the root
     */
    public static <T> Builder<T> builder(ZkClient client, String path, Serializer<T> serializer) {
        return new Builder<>(client, path, serializer);
    }

    /**
     * Appends {@code item} with {@code priority} (lower values are taken first; any int). Blocks
     * until applied, exactly once; retried under the client's retry policy.
     *
     * @throws NullPointerException     if {@code item} is null
     * @throws IllegalArgumentException if the serialized item is over the client's data limit (nothing is sent)
     * @throws IllegalStateException    after {@link #close()}, or once the client is closed
     * @throws ZkRecipeException        if ZooKeeper stayed unreachable past the retry policy's deadline (the
     *                                  item may or may not have been put) or refused the put
     * @throws InterruptedException     if interrupted (the item may or may not have been put)
     */
    public void put(T item, int priority) throws InterruptedException {
        QueueCalls.await(putAsync(item, priority));
    }

    /**
     * Appends {@code item} with {@code priority} without waiting: the future completes once the
     * item is in the queue. Pipelined and exactly once as {@link DistributedQueue#putAsync}; this
     * instance's puts of one priority are applied in call order.
     *
     * @throws NullPointerException     if {@code item} is null
     * @throws IllegalArgumentException if the serialized item is over the client's data limit (nothing is sent)
     * @throws IllegalStateException    after {@link #close()}, or once the client is closed
     */
    public CompletableFuture<Void> putAsync(T item, int priority) {
        byte[] data = serialize(item);
        lanes.requireOpen();
        return lanes.put(laneOf(priority), List.of(data));
    }

    /**
     * Appends all {@code items} with {@code priority} atomically, in iteration order, in one multi;
     * an empty collection does nothing.
     *
     * @throws NullPointerException     if {@code items} or one of its elements is null
     * @throws IllegalArgumentException if the items together are over the client's request limit
     */
    public void putAll(Collection<? extends T> items, int priority) throws InterruptedException {
        Objects.requireNonNull(items, "items");
        List<byte[]> data = new ArrayList<>(items.size());
        for (T item : items) {
            data.add(serialize(item));
        }
        QueueCalls.checkBatch(session, data);
        lanes.requireOpen();
        if (!data.isEmpty()) {
            QueueCalls.await(lanes.put(laneOf(priority), data));
        }
    }

    /**
     * The items of each priority in use, lowest priority value first; a snapshot.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws ZkRecipeException     if ZooKeeper stayed unreachable past the retry policy's deadline or refused
     * @throws InterruptedException  if interrupted
     */
    public Map<Integer, Long> sizeByPriority() throws InterruptedException {
        lanes.requireOpen();
        Map<Integer, Long> sizes = new LinkedHashMap<>();
        lanes.sizes().forEach((lane, n) -> sizes.put(priorityOf(lane), n));
        return sizes;
    }

    /** Lane names sort as the priorities do: the sign bit flipped makes unsigned hex order signed order. */
    static String laneOf(int priority) {
        return String.format("%s%08x", LANE_PREFIX, priority ^ Integer.MIN_VALUE);
    }

    static int priorityOf(String lane) {
        return Integer.parseUnsignedInt(lane.substring(LANE_PREFIX.length()), 16) ^ Integer.MIN_VALUE;
    }

    /** Every priority lane is always open. */
    private static final class PriorityLanes implements Lanes.Policy {
        @Override
        public boolean isLane(String child) {
            return child.length() == LANE_PREFIX.length() + 8 && child.startsWith(LANE_PREFIX)
                    && child.substring(LANE_PREFIX.length()).chars().allMatch(c -> Character.digit(c, 16) >= 0);
        }

        @Override
        public long opensAtMs(String lane) {
            return Long.MIN_VALUE;
        }
    }

    /**
     * Settings of a {@link DistributedPriorityQueue}, from {@link DistributedPriorityQueue#builder};
     * each setter checks its argument at once. Not thread-safe.
     *
     * @param <T> the item type
     */
    public static final class Builder<T> extends QueueSettings<Builder<T>, T> {
        private Builder(ZkClient client, String path, Serializer<T> serializer) {
            super(client, path, serializer);
        }

        /** The queue. Sends nothing: the queue's nodes are created by its first call. */
        public DistributedPriorityQueue<T> build() {
            return new DistributedPriorityQueue<>(this);
        }
    }
}
