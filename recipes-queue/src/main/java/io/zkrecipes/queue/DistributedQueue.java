package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Require;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A FIFO queue shared by processes through ZooKeeper: producers {@link #put} items, consumers
 * {@link #take} them (each item by exactly one consumer) or {@link #processNext process} them
 * under a claim (at least once, removed only after the handler returned).
 *
 * <pre>{@code
 * DistributedQueue<String> orders = DistributedQueue.builder(client, "/queues/orders", Serializer.utf8()).build();
 * orders.put("order-1");
 * String next = orders.take();
 * }</pre>
 *
 * <p><b>Order.</b> Items of one producer come out in the order it put them; items of different
 * producers interleave. Items live in buckets of {@link DistributedQueueBuilder#bucketCapacity} items so that no
 * listing nears the client's packet limit: a queue holds millions of items with the default
 * {@code jute.maxbuffer}.
 *
 * <p><b>Failures.</b> A put or take whose reply is lost is resolved exactly through a marker node
 * written in the same multi: neither duplicated nor lost, also across a session expiry. On
 * {@code SUSPENDED} waiting calls keep waiting and requests are retried under the client's retry
 * policy; after {@code LOST} the queue re-reads and re-watches by itself; claims of the lost
 * session are gone and their items are available again ({@link Outcome#CLAIM_LOST}).
 *
 * <p>Thread-safe. Consuming threads of one instance take turns (one set of watches per
 * instance); producers never wait for consumers. Closing does not delete the queue's items.
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
        /** The claim's session ended before the outcome was recorded: the item will be processed again. */
        CLAIM_LOST
    }

    /** Default items per bucket: a bucket's listing stays near 320 KB, well below 1 MB. */
    public static final int DEFAULT_BUCKET_CAPACITY = 10_000;
    /** Default failed handler runs before an item moves to the dead letters. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    private static final Logger log = LoggerFactory.getLogger(DistributedQueue.class);
    /** Room a create op takes in a multi beside its data: path, ACL and headers. */
    private static final int OP_OVERHEAD_BYTES = 256;

    private final ZkClient client;
    private final QueueLayout layout;
    private final Serializer<T> serializer;
    private final ChangeSignal signal = new ChangeSignal();
    private final Markers markers;
    private final Producer producer;
    private final QueueReader reader;
    private final Claims claims;
    private final AtomicBoolean closed = new AtomicBoolean();

    DistributedQueue(ZkClient client, String path, Serializer<T> serializer, int bucketCapacity, int maxAttempts) {
        this.client = client;
        this.layout = new QueueLayout(path);
        this.serializer = serializer;
        this.markers = new Markers(client, layout);
        this.producer = new Producer(client, layout, markers, bucketCapacity);
        this.reader = new QueueReader(client, layout, markers, signal);
        this.claims = new Claims(client, layout, maxAttempts);
    }

    /**
     * A builder of a queue at {@code path} (created, with its parents, if missing).
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid ZooKeeper path or is the root
     */
    public static <T> DistributedQueueBuilder<T> builder(ZkClient client, String path, Serializer<T> serializer) {
        return new DistributedQueueBuilder<>(client, path, serializer);
    }

    /** The queue's node. */
    public String path() {
        return layout.root;
    }

    /**
     * Appends {@code item}. Blocks until applied; retried under the client's retry policy.
     *
     * @throws NullPointerException     if {@code item} is null
     * @throws IllegalArgumentException if the serialized item is over the client's data limit (nothing is sent)
     * @throws IllegalStateException    after {@link #close()}
     * @throws ZkRecipeException        if ZooKeeper stayed unreachable or refused the put
     * @throws InterruptedException     if interrupted (the item may or may not have been put)
     */
    public void put(T item) throws InterruptedException {
        putAll(List.of(Objects.requireNonNull(item, "item")));
    }

    /**
     * Appends all {@code items} atomically, in their iteration order: one multi, so either all
     * are put or none. Same contract as {@link #put}; an empty collection does nothing.
     *
     * @throws NullPointerException     if {@code items} or one of its elements is null
     * @throws IllegalArgumentException if the items together are over the client's request limit
     */
    public void putAll(Collection<? extends T> items) throws InterruptedException {
        Objects.requireNonNull(items, "items");
        List<byte[]> data = new ArrayList<>(items.size());
        long total = 0;
        for (T item : items) {
            byte[] bytes = serialize(item);
            data.add(bytes);
            total += bytes.length + OP_OVERHEAD_BYTES;
        }
        if (data.size() > 1 && total > client.maxDataBytes()) {
            throw new IllegalArgumentException("items take about " + total + " bytes in one request, over the"
                    + " client's limit of " + client.maxDataBytes() + " bytes: put them in smaller batches");
        }
        checkOpen();
        if (data.isEmpty()) {
            return;
        }
        try {
            producer.put(data);
        } catch (KeeperException e) {
            throw new ZkRecipeException("put into queue " + layout.root, e);
        }
    }

    /**
     * Removes and returns the head, waiting as long as it takes. Same as {@link #poll} without a timeout.
     *
     * @throws IllegalStateException if the queue is closed before or while waiting
     * @throws ZkRecipeException     if ZooKeeper refused a request
     * @throws InterruptedException  if interrupted while waiting (a take in flight is resolved by the next call)
     */
    public T take() throws InterruptedException {
        T item;
        do {
            item = poll(Duration.ofDays(3650));
        } while (item == null);
        return item;
    }

    /**
     * Removes and returns the head, waiting up to {@code timeout} for one; {@code null} if none
     * came. Exactly one consumer gets each item. Waits through disconnections.
     *
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if the queue is closed before or while waiting
     * @throws ZkRecipeException        if ZooKeeper refused a request
     * @throws InterruptedException     if interrupted while waiting
     */
    public T poll(Duration timeout) throws InterruptedException {
        long deadline = Require.deadlineAfter(Require.nonNegative(timeout, "timeout"));
        checkOpen();
        if (!reader.lock(deadline)) {
            return null;
        }
        try {
            Cursor.Candidate c = reader.take(deadline, this::checkOpen);
            return c == null ? null : serializer.deserialize(c.data());
        } finally {
            reader.unlock();
        }
    }

    /**
     * The head without removing it, or {@code null} if the queue is empty; does not wait for an
     * item. The head may be an item another consumer is processing under a claim.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws InterruptedException  if interrupted
     */
    public T peek() throws InterruptedException {
        checkOpen();
        if (!reader.lock(Require.deadlineAfter(Duration.ofDays(3650)))) {
            throw new IllegalStateException("could not lock the consumer of queue " + layout.root);
        }
        try {
            Cursor.Candidate c = reader.peek(this::checkOpen);
            return c == null ? null : serializer.deserialize(c.data());
        } finally {
            reader.unlock();
        }
    }

    /**
     * The number of items in the queue, claimed ones included: one listing of the queue node and
     * one pipelined round trip for the buckets' sizes. A snapshot, stale as soon as it returns.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws ZkRecipeException     if ZooKeeper stayed unreachable
     * @throws InterruptedException  if interrupted
     */
    public long size() throws InterruptedException {
        checkOpen();
        try {
            return client.retry(reader::countItems);
        } catch (KeeperException e) {
            throw new ZkRecipeException("size of queue " + layout.root, e);
        }
    }

    /**
     * Claims the head, runs {@code handler} on it on the calling thread, and removes the item only
     * if the handler returned normally. If the handler throws, the failure is counted and the item
     * goes back for another attempt, or to the dead letters ({@code <queue>/dead-letter}) after
     * {@link DistributedQueueBuilder#maxAttempts} failures. While the handler runs, the claim is an ephemeral node:
     * if this process dies or its session expires, the item becomes available to other consumers
     * and this call returns {@link Outcome#CLAIM_LOST} without completing it (at-least-once).
     * Other threads of this instance may consume meanwhile.
     *
     * @return what happened; {@link Outcome#EMPTY} if no item came within {@code timeout}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if the queue is closed before or while waiting
     * @throws ZkRecipeException        if ZooKeeper refused a request
     * @throws InterruptedException     if interrupted while waiting for an item
     */
    public Outcome processNext(Duration timeout, Consumer<? super T> handler) throws InterruptedException {
        Objects.requireNonNull(handler, "handler");
        long deadline = Require.deadlineAfter(Require.nonNegative(timeout, "timeout"));
        checkOpen();
        Claims.Claim claim = reader.claim(deadline, claims, this::checkOpen);
        if (claim == null) {
            return Outcome.EMPTY;
        }
        try {
            handler.accept(serializer.deserialize(claim.item().data()));
        } catch (RuntimeException e) {
            log.warn("Handler failed on item {} of queue {} (attempt {})", claim.item().name(), layout.root,
                    claim.attempts() + 1, e);
            Outcome outcome = claims.fail(claim);
            reader.rewind(); // the item is back at the head: retry it before those behind it
            return outcome;
        } catch (Error e) {
            claims.release(claim);
            throw e;
        }
        return claims.complete(claim);
    }

    /**
     * Stops this instance: waiting calls throw {@link IllegalStateException}, its watches and marker
     * nodes are removed in the background. Items stay in the queue. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        client.removeListener(signal);
        signal.bump();
        if (!client.isClosed()) {
            signal.removeAll(client);
            markers.deleteAll();
        }
    }

    private byte[] serialize(T item) {
        Objects.requireNonNull(item, "item");
        byte[] data = Objects.requireNonNull(serializer.serialize(item), "serializer returned null");
        if (data.length > client.maxDataBytes()) {
            throw new IllegalArgumentException("item is " + data.length + " bytes serialized, over the limit of "
                    + client.maxDataBytes() + " bytes (jute.maxbuffer less room for the request)");
        }
        return data;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("queue " + layout.root + " is closed");
        }
    }

    /** Creates the queue's nodes where missing, then listens to the client. */
    void open() throws InterruptedException {
        try {
            client.retry(() -> {
                Markers.createQueue(client, layout);
                return null;
            });
        } catch (KeeperException e) {
            throw new ZkRecipeException("create queue " + layout.root, e);
        }
        client.addListener(signal);
    }
}
