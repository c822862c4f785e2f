package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Require;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A queue whose items are not taken before their time: each item is put with a delay, and becomes
 * due that long after the put was applied, by the ensemble's clock. Items are taken exactly once,
 * or processed under a claim, as in {@link DistributedQueue}; due items come out roughly in the
 * order of their due times.
 *
 * <pre>{@code
 * DistributedDelayQueue<String> retries =
 *         DistributedDelayQueue.builder(client, "/queues/retries", Serializer.utf8()).build();
 * retries.put("charge order 42 again", Duration.ofSeconds(30));
 * String due = retries.take(); // returns no sooner than 30 s after the put was applied
 * }</pre>
 *
 * <p><b>Which clock.</b> An item's time is its node's {@code ctime} plus its delay: the wall clock of
 * the ensemble's leader when it applied the put, which no client's clock skews. A consumer takes an
 * item only once a lower bound of the leader's clock has reached the item's time: the bound is the
 * {@code mtime} of a write of its own (a take, a put, or a one-write sample when it has none from
 * the last 30 seconds) advanced by its local monotonic clock since the reply came. So an item is
 * never taken early by the leader's clock; it is taken late by about one reply's delay. Servers'
 * clocks differ: after a leader change, items become due earlier or later by the difference
 * between the old and the new leader's clocks, which NTP keeps small.
 *
 * <p><b>Waiting.</b> Items live in lanes of {@link Builder#resolution} each ({@code queue/d-<ms>},
 * by the time the producer expects them due), which open as the ensemble's clock reaches them.
 * A consumer waits for the earliest of: a watch event, the next lane's opening, the next held-back
 * item's time; it sends nothing while it waits, and wakes when an item becomes due.
 *
 * <p><b>Order.</b> Lanes are served in time order; within a lane, one consumer takes one producer's
 * items in the order they were put, except that an item not due yet is passed over until it is. So
 * items come out in due order to within the resolution. Each item is taken once whatever the order.
 *
 * <p><b>Timeouts and failures</b> are those of {@link DistributedQueue}. Thread-safe. Making an
 * instance sends nothing; closing it does not delete the items.
 *
 * @param <T> the item type
 */
public final class DistributedDelayQueue<T> extends LaneQueue<T> {
    /** Default width of a lane: items due within one second share a lane. */
    public static final Duration DEFAULT_RESOLUTION = Duration.ofSeconds(1);
    /** The longest delay. */
    public static final Duration MAX_DELAY = Duration.ofDays(365);

    private static final String LANE_PREFIX = "d-";
    /** An item's data starts with its delay in milliseconds. */
    private static final int HEADER_BYTES = Long.BYTES;

    private final long resolutionMs;
    /** Completes once the put before was handed to its lane: puts are handed on in call order. */
    private CompletableFuture<Void> handed = CompletableFuture.completedFuture(null);
    private boolean sampling;

    private DistributedDelayQueue(Builder<T> b) {
        super(b, new DelayLanes(), new DueTime(), HEADER_BYTES);
        this.resolutionMs = b.resolution.toMillis();
    }

    /**
     * A builder of a delay queue at {@code path} (created, with its parents, by the first call).
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid ZooKeeper path or is the root
     */
    public static <T> Builder<T> builder(ZkClient client, String path, Serializer<T> serializer) {
        return new Builder<>(client, path, serializer);
    }

    /**
     * Appends {@code item}, due {@code delay} after the put is applied (by the ensemble's clock).
     * Blocks until applied, exactly once; retried under the client's retry policy.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code delay} is negative or over {@link #MAX_DELAY}, or the
     *                                  serialized item is over the client's data limit (nothing is sent)
     * @throws IllegalStateException    after {@link #close()}, or once the client is closed
     * @throws ZkRecipeException        if ZooKeeper stayed unreachable past the retry policy's deadline (the
     *                                  item may or may not have been put) or refused the put
     * @throws InterruptedException     if interrupted (the item may or may not have been put)
     */
    public void put(T item, Duration delay) throws InterruptedException {
        QueueCalls.await(putAsync(item, delay));
    }

    /**
     * Appends {@code item}, due {@code delay} after the put is applied, without waiting: the future
     * completes once the item is in the queue. Pipelined and exactly once as
     * {@link DistributedQueue#putAsync}; an instance's puts into one lane are applied in call order.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code delay} is negative or over {@link #MAX_DELAY}, or the
     *                                  serialized item is over the client's data limit (nothing is sent)
     * @throws IllegalStateException    after {@link #close()}, or once the client is closed
     */
    public CompletableFuture<Void> putAsync(T item, Duration delay) {
        Require.nonNegative(delay, "delay");
        if (delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("delay must be at most " + MAX_DELAY.toDays() + " days, was " + delay);
        }
        byte[] data = serialize(item);
        long delayMs = delay.toMillis();
        ByteBuffer.wrap(data).putLong(delayMs);
        lanes.requireOpen();
        return handOn(delayMs, data);
    }

    /**
     * Hands the put to the lane of its expected due time, in call order. Without a fresh sample of
     * the ensemble's clock, one is taken first (not waited for here): a producer's own clock could
     * put an item in a lane far from its time.
     */
    private synchronized CompletableFuture<Void> handOn(long delayMs, byte[] data) {
        CompletableFuture<Void> before = handed;
        if (!lanes.clock().isFresh() && !sampling) {
            sampling = true;
            before = before.thenCompose(v -> lanes.clock().sampleAsync(session, lanes.path()))
                    .whenComplete((v, e) -> sampled());
        }
        CompletableFuture<CompletableFuture<Void>> put = before.thenApply(v -> lanes.put(laneFor(delayMs), List.of(data)));
        handed = put.handle((p, e) -> null);
        return put.thenCompose(p -> p);
    }

    private synchronized void sampled() {
        sampling = false;
    }

    /** The lane of an item due {@code delayMs} from now, by the best clock this instance has. */
    private String laneFor(long delayMs) {
        long now = lanes.clock().nowAtLeast();
        long due = (now == Long.MIN_VALUE ? System.currentTimeMillis() : now) + delayMs;
        return String.format("%s%013d", LANE_PREFIX, Math.floorDiv(due, resolutionMs) * resolutionMs);
    }

    /** When an item is due: its node's ctime plus the delay in its header. */
    private static final class DueTime implements QueueReader.NotBefore {
        @Override
        public long of(QueueReader.Candidate c) {
            return c.ctime() + (c.data().length >= HEADER_BYTES ? ByteBuffer.wrap(c.data()).getLong() : 0);
        }

        /** The same item with no delay: it was due when taken, and its new node is created later. */
        @Override
        public byte[] dueAtOnce(QueueReader.Candidate c) {
            byte[] data = c.data().clone();
            if (data.length >= HEADER_BYTES) {
                ByteBuffer.wrap(data).putLong(0);
            }
            return data;
        }
    }

    /** A lane opens at the start of its window. */
    private static final class DelayLanes implements Lanes.Policy {
        @Override
        public boolean isLane(String child) {
            return child.length() == LANE_PREFIX.length() + 13 && child.startsWith(LANE_PREFIX)
                    && child.substring(LANE_PREFIX.length()).chars().allMatch(Character::isDigit);
        }

        @Override
        public long opensAtMs(String lane) {
            return Long.parseLong(lane.substring(LANE_PREFIX.length()));
        }
    }

    /**
     * Settings of a {@link DistributedDelayQueue}, from {@link DistributedDelayQueue#builder}; each
     * setter checks its argument at once. Not thread-safe.
     *
     * @param <T> the item type
     */
    public static final class Builder<T> extends QueueSettings<Builder<T>, T> {
        private Duration resolution = DEFAULT_RESOLUTION;

        private Builder(ZkClient client, String path, Serializer<T> serializer) {
            super(client, path, serializer);
        }

        /**
         * The width of a lane (default 1 s): items expected due within one window share a lane,
         * which opens at the window's start. Narrower lanes hold fewer items not due yet when they
         * open; wider ones make fewer lanes for long delays. All instances of one queue should use
         * the same value.
         *
         * @throws IllegalArgumentException if under 10 ms or over 1 hour
         */
        public Builder<T> resolution(Duration resolution) {
            Require.nonNegative(resolution, "resolution");
            if (resolution.compareTo(Duration.ofMillis(10)) < 0 || resolution.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("resolution must be from 10 ms to 1 hour, was " + resolution);
            }
            this.resolution = resolution;
            return this;
        }

        /** The queue. Sends nothing: the queue's nodes are created by its first call. */
        public DistributedDelayQueue<T> build() {
            return new DistributedDelayQueue<>(this);
        }
    }
}
