package io.zkrecipes.queue;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.queue.DistributedQueue.Outcome;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The consuming calls of a queue of lanes ({@link DistributedPriorityQueue},
 * {@link DistributedDelayQueue}): they take from the first open lane that has an available item,
 * with the timeouts and failures of {@link DistributedQueue}.
 *
 * @param <T> the item type
 */
abstract class LaneQueue<T> implements AutoCloseable {
    final Session session;
    final Serializer<T> serializer;
    final Lanes<T> lanes;
    /** Bytes of the queue's own before the serialized item in a node's data. */
    private final int header;

    LaneQueue(QueueSettings<?, T> settings, Lanes.Policy policy, QueueReader.NotBefore notBefore, int header) {
        this.session = Session.of(settings.client);
        this.serializer = settings.serializer;
        this.header = header;
        this.lanes = new Lanes<>(session, settings.path, policy, notBefore, this::decode, settings.bucketCapacity,
                settings.maxAttempts, settings.maxPutsInFlight);
    }

    /** The queue's node. */
    public String path() {
        return lanes.path();
    }

    /**
     * Removes and returns the next item, waiting as long as it takes, also through disconnections
     * and session expiry (sending nothing while it waits).
     *
     * @throws IllegalStateException if the queue or its client is closed before or while waiting
     * @throws ZkRecipeException     if ZooKeeper refused a request, or stayed unreachable past the retry
     *                               policy's deadline while a request was in flight
     * @throws InterruptedException  if interrupted (a take in flight is resolved by a later call)
     */
    public T take() throws InterruptedException {
        lanes.requireOpen();
        return lanes.take(Deadline.none(), Deadline.none()).orElseThrow();
    }

    /**
     * As {@link #take}, waiting at most {@code timeout}; empty if no item came. Returns within the
     * timeout (at least half a second for replies) whatever the network does.
     *
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if the queue or its client is closed before or while waiting
     * @throws ZkRecipeException        if ZooKeeper refused a request, or a take sent got no reply by the
     *                                  deadline (the item may have been taken: the next take or poll
     *                                  of this instance returns it)
     * @throws InterruptedException     if interrupted (a take in flight is resolved by a later call)
     */
    public Optional<T> poll(Duration timeout) throws InterruptedException {
        Require.nonNegative(timeout, "timeout");
        lanes.requireOpen();
        return lanes.take(Deadline.after(timeout), QueueCalls.replyDeadline(timeout));
    }

    /**
     * Claims the item {@link #take} would return, runs {@code handler} on it on the calling thread,
     * and removes it only if the handler returned; as {@link DistributedQueue#processNext}. A failed
     * item is tried again before the items behind it.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if the queue or its client is closed before or while waiting
     * @throws ZkRecipeException        if ZooKeeper refused a request
     * @throws InterruptedException     if interrupted (the claim, if any, is released)
     */
    public Outcome processNext(Duration timeout, Consumer<? super T> handler) throws InterruptedException {
        Objects.requireNonNull(handler, "handler");
        Require.nonNegative(timeout, "timeout");
        lanes.requireOpen();
        return lanes.processNext(Deadline.after(timeout), QueueCalls.replyDeadline(timeout), handler);
    }

    /**
     * The item {@link #take} would return now, without removing it, or empty; never waits for one.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws ZkRecipeException     if ZooKeeper stayed unreachable past the retry policy's deadline or refused
     * @throws InterruptedException  if interrupted
     */
    public Optional<T> peek() throws InterruptedException {
        lanes.requireOpen();
        return lanes.peek();
    }

    /**
     * The items in the queue, claimed ones (and in a delay queue those not due yet) included: a
     * snapshot, from three pipelined round trips.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws ZkRecipeException     if ZooKeeper stayed unreachable past the retry policy's deadline or refused
     * @throws InterruptedException  if interrupted
     */
    public long size() throws InterruptedException {
        lanes.requireOpen();
        return lanes.size();
    }

    /**
     * Stops this instance: waiting calls throw {@link IllegalStateException}; its watches, owner and
     * marker nodes are removed in the background. Items stay in the queue. Idempotent.
     */
    @Override
    public void close() {
        lanes.close();
    }

    /** {@code item} serialized after the queue's header, left zeroed for the caller. */
    byte[] serialize(T item) {
        return QueueCalls.serialize(session, serializer, item, header);
    }

    private T decode(QueueReader.Candidate c) {
        byte[] data = c.data();
        return serializer.deserialize(header == 0 ? data
                : Arrays.copyOfRange(data, Math.min(header, data.length), data.length));
    }
}
