package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * A FIFO queue shared by processes through ZooKeeper: producers {@link #put} items, consumers
 * {@link #take} them (each item by exactly one consumer) or {@link #processNext process} them
 * under a claim (at least once, removed only after the handler returned).
 *
 * <pre>{@code
 * DistributedQueue<String> orders = DistributedQueue.builder(client, "/queues/orders", Serializer.utf8()).build();
 * orders.put("order-1");
 * String next = orders.take();
 * Optional<String> maybe = orders.poll(Duration.ofSeconds(1));
 * }</pre>
 *
 * <p><b>Order.</b> A queue instance's puts ({@link #put}, {@link #putAll}, {@link #putAsync}) are
 * applied in call order, also through lost replies and session expiry. One consumer (one instance,
 * taking from one thread) takes one producer's items in the order they were put; items of
 * different producers interleave. Several consumers do not race for the same head item: a
 * consumer that loses a race to another skips a random number (at most 256) of the next items it
 * knows and returns to the skipped ones after 256 more, and for its next 64 takes it enters each
 * fresh listing of a bucket at such a random point too. So with several consumers each item is
 * still taken exactly once and buckets are drained in order, but one consumer may see a
 * producer's items out of order, by up to about 512 positions per lost race; a consumer that
 * loses no race for 64 takes goes back to taking strictly from the head. Threads of one instance
 * are handed items in queue order, and never race each other. Items live in buckets of {@link Builder#bucketCapacity} items so that no
 * listing nears the client's packet limit: a queue holds millions of items with the default
 * {@code jute.maxbuffer}.
 *
 * <p><b>Timeouts.</b> A timeout is a deadline: {@link #poll} and {@link #processNext} return within
 * their timeout (or half a second, for shorter ones, so that even a zero timeout can take an
 * available item) whatever the network does. Calls without a timeout retry requests under the
 * client's retry policy; {@link #take} waits for an item as long as it takes, through
 * disconnections and session expiry, sending nothing while it waits.
 *
 * <p><b>Failures.</b> A put or take whose reply is lost is resolved exactly through a marker node
 * written in the same multi (one per put or take in flight): neither duplicated nor lost, also
 * across a session expiry. A timed
 * take whose outcome is still unknown at its deadline is resolved by the next take or poll of this
 * instance, which then returns its item. On {@code SUSPENDED} waiting calls keep waiting; after
 * {@code LOST} the queue re-reads and re-watches by itself; claims of the lost session are gone
 * and their items are available again ({@link Outcome#CLAIM_LOST}).
 *
 * <p>Thread-safe; the instance's threads share one cache of the queue, one set of watches and one
 * wait, and never wait for each other's wait. Making an instance sends nothing: the queue's nodes
 * are created by its first call. Closing does not delete the queue's items. A thread blocked in a
 * call throws {@link IllegalStateException} once the queue or its client is closed.
 *
 * @param <T> the item type
 */
public final class DistributedQueue<T> implements AutoCloseable {
    /** What {@link #processNext} did. */
    public enum Outcome {
        /** No item came before the timeout. */
        EMPTY,
        /** The handler returned; the item is removed. */
        COMPLETED,
        /** The handler threw; the item is back in the queue with one more failed attempt. */
        FAILED,
        /** The handler threw for the last allowed attempt; the item moved to the dead letters. */
        DEAD_LETTERED,
        /**
         * The claim's session ended before the outcome was known to be recorded. Usually the item
         * will be processed again; when the finishing request's reply was lost just before the
         * session ended, it may already have been completed, retried or dead-lettered.
         */
        CLAIM_LOST
    }

    /** Default items per bucket: a bucket's listing stays near 320 KB, well below 1 MB. */
    public static final int DEFAULT_BUCKET_CAPACITY = 10_000;
    /** Default failed handler runs before an item moves to the dead letters. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Default puts of one instance on the wire at once. */
    public static final int DEFAULT_MAX_PUTS_IN_FLIGHT = 64;
    /** The most puts of one instance on the wire at once: keeps a full bucket's overshoot listable. */
    public static final int MAX_PUTS_IN_FLIGHT = 1024;


    private enum State { LATENT, READY, CLOSED }

    private final Session session;
    private final QueueLayout layout;
    private final Serializer<T> serializer;
    private final Markers markers;
    private final Producer producer;
    private final QueueReader reader;
    private final Claims claims;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);

    private DistributedQueue(Builder<T> b) {
        this.session = Session.of(b.client);
        this.layout = new QueueLayout(b.path);
        this.serializer = b.serializer;
        this.markers = new Markers(session, layout);
        this.producer = new Producer(session, layout, markers, b.bucketCapacity, b.maxPutsInFlight);
        this.reader = new QueueReader(session, layout, markers);
        this.claims = new Claims(session, layout, b.maxAttempts);
    }

    /**
     * A builder of a queue at {@code path} (created, with its parents, by the queue's first call).
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid ZooKeeper path or is the root
     */
    public static <T> Builder<T> builder(ZkClient client, String path, Serializer<T> serializer) {
        return new Builder<>(client, path, serializer);
    }

    /** The queue's node. */
    public String path() {
        return layout.root;
    }

    /**
     * Appends {@code item}. Blocks until applied; retried under the client's retry policy. The same
     * as {@code putAsync(item)} followed by a wait for its future.
     *
     * @throws NullPointerException     if {@code item} is null
     * @throws IllegalArgumentException if the serialized item is over the client's data limit (nothing is sent)
     * @throws IllegalStateException    after {@link #close()}, or once the client is closed
     * @throws ZkRecipeException        if ZooKeeper stayed unreachable past the retry policy's deadline (the
     *                                  item may or may not have been put) or refused the put
     * @throws InterruptedException     if interrupted (the item may or may not have been put)
     */
    public void put(T item) throws InterruptedException {
        QueueCalls.await(putAsync(item));
    }

    /**
     * Appends {@code item} without waiting: the future completes once the item is in the queue.
     * Never blocks. Up to {@link Builder#maxPutsInFlight} puts of this instance are on the wire at
     * once; further ones wait in this process's memory, in call order, and are sent as earlier ones
     * are applied (so the caller bounds the memory, e.g. by waiting on the futures it holds).
     *
     * <p>Each put is applied exactly once, also when its reply is lost or the session expires,
     * and this instance's puts are applied in call order: a put is applied only if every put this
     * instance called before it was (or failed for good). Futures complete in call order, on a
     * thread of the client's, never on ZooKeeper's event thread.
     *
     * <p>The future fails with {@link ZkRecipeException} if ZooKeeper stayed unreachable past the
     * retry policy's deadline (the item may or may not have been put) or refused the put, and with
     * {@link IllegalStateException} once the queue or its client is closed before the outcome is
     * known (the item may or may not have been put).
     *
     * @throws NullPointerException     if {@code item} is null
     * @throws IllegalArgumentException if the serialized item is over the client's data limit (nothing is sent)
     * @throws IllegalStateException    after {@link #close()}, or once the client is closed
     */
    public CompletableFuture<Void> putAsync(T item) {
        byte[] data = serialize(item);
        requireOpen();
        return send(List.of(data));
    }

    /**
     * Appends all {@code items} atomically, in their iteration order: one multi, so either all
     * are put or none. Same contract as {@link #put}, and ordered with this instance's
     * {@link #putAsync} calls; an empty collection does nothing.
     *
     * @throws NullPointerException     if {@code items} or one of its elements is null
     * @throws IllegalArgumentException if the items together are over the client's request limit
     */
    public void putAll(Collection<? extends T> items) throws InterruptedException {
        Objects.requireNonNull(items, "items");
        List<byte[]> data = new ArrayList<>(items.size());
        for (T item : items) {
            data.add(serialize(item));
        }
        QueueCalls.checkBatch(session, data);
        requireOpen();
        if (!data.isEmpty()) {
            QueueCalls.await(send(data));
        }
    }

    /** Hands items to the producer's pipeline; reports them once applied. */
    private CompletableFuture<Void> send(List<byte[]> data) {
        return producer.put(data).thenRun(() -> session.events().queuePut(layout.root, data.size()));
    }

    /**
     * Removes and returns the head, waiting as long as it takes, also through disconnections and
     * session expiry (while waiting it sends nothing).
     *
     * @throws IllegalStateException if the queue or its client is closed before or while waiting
     * @throws ZkRecipeException     if ZooKeeper refused a request, or stayed unreachable past the retry
     *                               policy's deadline while a request (a listing, a read or a take) was
     *                               in flight; a take sent is resolved by the next call
     * @throws InterruptedException  if interrupted (a take in flight is resolved by the next call)
     */
    public T take() throws InterruptedException {
        return consume(Deadline.none(), Deadline.none()).orElseThrow();
    }

    /**
     * Removes and returns the head, waiting up to {@code timeout} for one; empty if none came.
     * Exactly one consumer gets each item. Returns within the timeout (at least half a second for
     * replies) whatever the network does; waits through disconnections.
     *
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if the queue or its client is closed before or while waiting
     * @throws ZkRecipeException        if ZooKeeper refused a request, or a take sent got no reply by the
     *                                  deadline (the item may have been taken: the next take or poll
     *                                  of this instance returns it)
     * @throws InterruptedException     if interrupted (a take in flight is resolved by the next call)
     */
    public Optional<T> poll(Duration timeout) throws InterruptedException {
        Require.nonNegative(timeout, "timeout");
        return consume(Deadline.after(timeout), replyDeadline(timeout));
    }

    private Optional<T> consume(Deadline wait, Deadline replies) throws InterruptedException {
        requireOpen();
        try {
            open(replies);
            return reader.take(wait, replies).map(this::taken);
        } catch (KeeperException e) {
            return timedOut(e, replies, "take from");
        }
    }

    /**
     * The first available item without removing it, or empty; never waits for an item nor for
     * another thread's wait. Items this instance knows to be claimed for processing are passed over.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws ZkRecipeException     if ZooKeeper stayed unreachable past the retry policy's deadline or refused
     * @throws InterruptedException  if interrupted
     */
    public Optional<T> peek() throws InterruptedException {
        requireOpen();
        try {
            open(Deadline.none());
            return reader.peek(Deadline.none()).map(c -> serializer.deserialize(c.data()));
        } catch (KeeperException e) {
            throw new ZkRecipeException("peek into queue " + layout.root, e);
        }
    }

    /**
     * The number of items in the queue, claimed ones included: one listing of the queue node and
     * one pipelined round trip for the buckets' sizes. A snapshot, stale as soon as it returns.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws ZkRecipeException     if ZooKeeper stayed unreachable past the retry policy's deadline or refused
     * @throws InterruptedException  if interrupted
     */
    public long size() throws InterruptedException {
        requireOpen();
        Deadline deadline = Deadline.none();
        try {
            return session.retry(deadline, () -> countItems(deadline));
        } catch (KeeperException e) {
            throw new ZkRecipeException("size of queue " + layout.root, e);
        }
    }

    /**
     * Claims the head, runs {@code handler} on it on the calling thread, and removes the item only
     * if the handler returned normally. If the handler throws, the failure is counted and the item
     * goes back for another attempt, or to the dead letters ({@code <queue>/dead-letter}) after
     * {@link Builder#maxAttempts} failures. While the handler runs, the claim is an ephemeral node:
     * if this process dies or its session is lost, the item becomes available to other consumers
     * and this call returns {@link Outcome#CLAIM_LOST} without completing it (at-least-once).
     * Other threads of this instance may consume meanwhile.
     *
     * <p>The timeout bounds the wait for an item, as in {@link #poll}. Recording the outcome after
     * the handler is bounded by the claim's session: at most a session timeout after the
     * connection went, the claim counts as lost.
     *
     * @return what happened; {@link Outcome#EMPTY} if no item came within {@code timeout}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if the queue or its client is closed before or while waiting
     * @throws ZkRecipeException        if ZooKeeper refused a request
     * @throws InterruptedException     if interrupted (the claim, if any, is released)
     */
    public Outcome processNext(Duration timeout, Consumer<? super T> handler) throws InterruptedException {
        Objects.requireNonNull(handler, "handler");
        Require.nonNegative(timeout, "timeout");
        Deadline replies = replyDeadline(timeout);
        requireOpen();
        Optional<Claims.Claim> claimed;
        try {
            open(replies);
            claimed = reader.next(Deadline.after(timeout), replies, c -> claims.claim(c, replies));
        } catch (KeeperException e) {
            claimed = timedOut(e, replies, "claim an item of");
        }
        if (claimed.isEmpty()) {
            return reported(Outcome.EMPTY);
        }
        // a failed item is back at the head: retry it before those behind it
        return reported(claims.process(claimed.get(), c -> serializer.deserialize(c.data()), handler, reader::rewind));
    }

    /**
     * Stops this instance: waiting calls throw {@link IllegalStateException}; its watches, owner
     * and marker nodes are removed in the background (if the client is still open; else other
     * instances collect the markers), each marker of a put or take in flight once its outcome is
     * known. Items stay in the queue: one taken for a call that gave up before it got it (a poll
     * at its deadline) goes back under its own name, at the head. Idempotent.
     */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        producer.close();
        reader.close();
        markers.close();
    }

    private byte[] serialize(T item) {
        return QueueCalls.serialize(session, serializer, item, 0);
    }

    private T taken(QueueReader.Candidate item) {
        session.events().queueTaken(layout.root);
        return serializer.deserialize(item.data());
    }

    private Outcome reported(Outcome outcome) {
        session.events().queueProcessed(layout.root, outcome.name());
        if (outcome == Outcome.DEAD_LETTERED) {
            session.events().queueDeadLettered(layout.root);
        }
        return outcome;
    }

    private void requireOpen() {
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("queue " + layout.root + " is closed");
        }
        session.requireOpen();
    }

    /** The first call of the instance creates the queue's nodes where missing. */
    private void open(Deadline deadline) throws KeeperException, InterruptedException {
        if (state.get() == State.LATENT) {
            session.retry(deadline, () -> {
                layout.ensure(session, deadline);
                return null;
            });
            state.compareAndSet(State.LATENT, State.READY);
        }
    }

    private static Deadline replyDeadline(Duration timeout) {
        return QueueCalls.replyDeadline(timeout);
    }

    private <R> Optional<R> timedOut(KeeperException e, Deadline replies, String what) {
        return QueueCalls.timedOut(e, replies, what + " queue " + layout.root);
    }

    /** Items in all buckets: one listing, then every bucket's size in one pipelined round trip. */
    private long countItems(Deadline deadline) throws KeeperException, InterruptedException {
        AsyncOps ops = session.ops();
        List<Long> buckets;
        try {
            buckets = QueueLayout.buckets(deadline.join(ops.getChildren(layout.root, null)).names());
        } catch (KeeperException.NoNodeException e) {
            return 0; // not created yet
        }
        List<CompletableFuture<Stat>> stats = new ArrayList<>();
        for (long b : buckets) {
            // pipelined: every bucket's size in one round trip
            stats.add(ops.exists(layout.bucketPath(b), null));
        }
        long total = 0;
        for (CompletableFuture<Stat> f : stats) {
            Stat stat = deadline.join(f);
            total += stat == null ? 0 : stat.getNumChildren();
        }
        return total;
    }

    /**
     * Settings of a {@link DistributedQueue}, from {@link DistributedQueue#builder}; each setter
     * checks its argument at once. Not thread-safe.
     *
     * @param <T> the item type
     */
    public static final class Builder<T> extends QueueSettings<Builder<T>, T> {
        private Builder(ZkClient client, String path, Serializer<T> serializer) {
            super(client, path, serializer);
        }

        /** The queue. Sends nothing and registers nothing: the queue's nodes are created by its first call. */
        public DistributedQueue<T> build() {
            return new DistributedQueue<>(this);
        }
    }
}
