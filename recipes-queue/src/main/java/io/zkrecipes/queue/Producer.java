package io.zkrecipes.queue;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Sequences;
import io.zkrecipes.core.internal.Session;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;

/**
 * The pipeline of one instance's puts into the tail bucket. A put is one multi: the owner check,
 * a check that the put sent before it was applied (its marker at the version that put writes),
 * the item creates (persistent sequential, named with a fresh prefix) and the write of the put's
 * own marker slot with that prefix. Up to {@code maxInFlight} multis are on the wire at once; the
 * session applies them in order, and the chained check makes the applied ones a prefix of those
 * sent, so one producer's items stay in order whatever fails. Puts that queue up behind a full
 * window go out merged, up to {@value #MAX_MERGED_ITEMS} items in one multi.
 *
 * <p>When a put fails, nothing more is sent until every put on the wire has its reply. Then, on a
 * worker thread, each put whose reply was lost is resolved from its marker (also across a session
 * expiry: markers are persistent), what was missing is repaired (owner node, bucket, slot), and the
 * puts not applied are sent again in their order, ahead of those still waiting. A bucket is full
 * once a put got sequence {@code capacity - 1} or later (sequences start at 0, so that is its
 * capacity-th item); later puts go to the next bucket. Other producers' puts in flight meanwhile
 * can still land in the full bucket: the capacity is a target, overshot by at most what is in flight.
 *
 * <p>Thread-safe: the pipeline's state is guarded by this object's monitor, never held while waiting.
 */
final class Producer {
    /** One put or putAll: its items, the unique prefix of their names, and where it stands. */
    private static final class Put {
        final List<byte[]> items;
        final String prefix = QueueLayout.newItemPrefix();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        Markers.Slot slot;
        long bucket;
        int writesVersion; // the slot's version once this put's multi is applied; -1 if unknown
        boolean replied;
        boolean applied;
        KeeperException failure; // when replied and not applied

        Put(List<byte[]> items) {
            this.items = items;
        }
    }

    /** Items one merged put may carry: enough to amortize a transaction, few enough to keep replies prompt. */
    static final int MAX_MERGED_ITEMS = 32;

    private final Session session;
    private final QueueLayout layout;
    private final Markers markers;
    private final int capacity;
    private final int maxInFlight;
    /** Completions run here, one at a time and in put order, never on ZooKeeper's event thread. */
    private final Executor completions;
    private final Deque<Put> waiting = new ArrayDeque<>();
    private final Deque<Put> sent = new ArrayDeque<>();
    private long tail = -1; // -1 until the queue was listed
    private boolean broken; // a put on the wire failed: send nothing until every reply is in and resolved
    private boolean recovering;
    private boolean closed;
    private Deadline troubleEnd; // the retry policy's deadline since the first failure, null while puts apply
    private final ConnectionStateListener stateListener = this::onStateChange;
    /** Learns the ensemble's time from the replies; null when nobody needs it. */
    private final EnsembleClock clock;

    Producer(Session session, QueueLayout layout, Markers markers, int capacity, int maxInFlight) {
        this(session, layout, markers, capacity, maxInFlight, null);
    }

    Producer(Session session, QueueLayout layout, Markers markers, int capacity, int maxInFlight,
            EnsembleClock clock) {
        this.clock = clock;
        this.session = session;
        this.layout = layout;
        this.markers = markers;
        this.capacity = capacity;
        this.maxInFlight = maxInFlight;
        this.completions = session.newCallbackLane();
        session.addListener(stateListener);
    }

    /** Queues all items as one atomic put; the future completes once they are applied. Never blocks. */
    synchronized CompletableFuture<Void> put(List<byte[]> items) {
        Put put = new Put(items);
        if (closed) {
            put.done.completeExceptionally(closedError());
            return put.done;
        }
        waiting.addLast(put);
        pump();
        return put.done;
    }

    /** Whether nothing is waiting, on the wire or being repaired: closing now drops nothing. */
    synchronized boolean isIdle() {
        return waiting.isEmpty() && sent.isEmpty() && !recovering;
    }

    /** Pending puts fail with {@link IllegalStateException}; those on the wire may still be applied. */
    void close() {
        session.removeListener(stateListener);
        close("queue " + layout.root + " is closed");
    }

    private void close(String why) {
        List<Put> dropped;
        synchronized (this) {
            closed = true;
            dropped = new ArrayList<>(sent);
            dropped.addAll(waiting);
            waiting.clear();
        }
        IllegalStateException e = new IllegalStateException(why + " (a put in flight may or may not be applied)");
        later(() -> dropped.forEach(put -> put.done.completeExceptionally(e)));
    }

    /** On the dispatcher thread: short. */
    private void onStateChange(ZkClient client, ConnectionState state) {
        if (state == ConnectionState.CLOSED) {
            close("the client of queue " + layout.root + " is closed");
        }
    }

    /** Runs {@code completion} on the completion lane, or here once the client's threads are gone. */
    private void later(Runnable completion) {
        try {
            completions.execute(completion);
        } catch (RejectedExecutionException clientClosed) {
            completion.run();
        }
    }

    // ---- sending -----------------------------------------------------------------------------

    /** Sends waiting puts while there is room on the wire and nothing is being repaired. Holds the monitor. */
    private void pump() {
        if (broken || recovering || closed) {
            return;
        }
        if (!waiting.isEmpty() && (tail < 0 || !markers.ownerCurrent())) {
            startRecovery(); // the first put, or a new session: list the queue and make the owner node first
            return;
        }
        while (!waiting.isEmpty() && sent.size() < maxInFlight && !broken) {
            send(nextToSend());
        }
    }

    /**
     * The first waiting put, merged with the ones queued right behind it while they fit in one
     * request: puts pile up only while the window is full, and one multi of many items costs the
     * server one transaction and the session one round trip. A merged put is applied whole or not at all.
     */
    private Put nextToSend() {
        Put head = waiting.pollFirst();
        if (waiting.isEmpty() || !fitsWith(head.items.size(), QueueCalls.requestBytes(head.items), waiting.peekFirst())) {
            return head;
        }
        List<Put> members = new ArrayList<>(List.of(head));
        List<byte[]> items = new ArrayList<>(head.items);
        long bytes = QueueCalls.requestBytes(head.items);
        while (!waiting.isEmpty() && fitsWith(items.size(), bytes, waiting.peekFirst())) {
            Put next = waiting.pollFirst();
            members.add(next);
            items.addAll(next.items);
            bytes += QueueCalls.requestBytes(next.items);
        }
        Put merged = new Put(items);
        merged.done.whenComplete((ok, failure) -> members.forEach(m -> settle(m.done, failure)));
        return merged;
    }

    private boolean fitsWith(int items, long bytes, Put next) {
        return items + next.items.size() <= MAX_MERGED_ITEMS
                && bytes + QueueCalls.requestBytes(next.items) <= session.maxDataBytes();
    }

    private static void settle(CompletableFuture<Void> done, Throwable failure) {
        if (failure == null) {
            done.complete(null);
        } else {
            done.completeExceptionally(failure);
        }
    }

    private void send(Put put) {
        Put before = sent.peekLast();
        put.slot = markers.acquire();
        put.bucket = tail;
        put.replied = false;
        put.failure = null;
        sent.addLast(put);
        try {
            markers.prepare(put.slot);
            List<Op> multi = multi(put, before == null || before.replied ? null : before);
            session.ops().multi(multi).whenComplete((results, failure) -> onReply(put, results, failure));
        } catch (RuntimeException e) {
            onReply(put, null, e); // the client is closed, or an op was refused before sending
        }
    }

    private List<Op> multi(Put put, Put before) {
        AsyncOps ops = session.ops();
        String bucketPath = layout.bucketPath(put.bucket);
        List<Op> multi = new ArrayList<>(put.items.size() + 3);
        multi.add(markers.checkOwner());
        if (before != null && before.writesVersion >= 0) {
            // applied only if the put before it was: the applied puts are always a prefix of those sent
            multi.add(Op.check(before.slot.path, before.writesVersion));
        }
        for (byte[] data : put.items) {
            multi.add(ops.createOp(ZkPaths.join(bucketPath, put.prefix), data, CreateMode.PERSISTENT_SEQUENTIAL));
        }
        multi.add(Markers.write(put.slot, put.prefix));
        int version = put.slot.version;
        put.writesVersion = version < 0 ? -1 : version + 1;
        return multi;
    }

    // ---- replies -----------------------------------------------------------------------------

    /** Runs on ZooKeeper's event thread: records the reply, completes what is settled in order. */
    private void onReply(Put put, List<OpResult> results, Throwable failure) {
        List<Put> settled;
        synchronized (this) {
            put.replied = true;
            if (failure == null) {
                applied(put, results);
            } else {
                put.failure = keeperException(failure);
            }
            settled = settleHead();
            broken |= put.failure != null;
            if (!broken) {
                pump();
            } else if (sent.stream().allMatch(p -> p.replied)) {
                startRecovery(); // every reply is in: the fate of each put can be resolved now
            }
        }
        complete(settled);
    }

    private void applied(Put put, List<OpResult> results) {
        put.applied = true;
        troubleEnd = null;
        Stat written = ((OpResult.SetDataResult) results.get(results.size() - 1)).getStat();
        Markers.written(put.slot, written.getVersion());
        if (clock != null) {
            clock.observe(written.getMtime());
        }
        OpResult lastItem = results.get(results.size() - 2);
        long sequence = Sequences.sequence(((OpResult.CreateResult) lastItem).getPath());
        if (sequence >= capacity - 1 && tail == put.bucket) {
            tail = put.bucket + 1;
        }
    }

    /** Takes the applied puts off the head of the wire, in order. Holds the monitor. */
    private List<Put> settleHead() {
        List<Put> settled = new ArrayList<>();
        while (!sent.isEmpty() && sent.peekFirst().applied) {
            Put put = sent.pollFirst();
            markers.release(put.slot);
            settled.add(put);
        }
        return settled;
    }

    private void complete(List<Put> settled) {
        if (!settled.isEmpty()) {
            later(() -> settled.forEach(p -> p.done.complete(null)));
        }
    }

    // ---- recovery ----------------------------------------------------------------------------

    /** Holds the monitor. */
    private void startRecovery() {
        if (recovering || closed) {
            return;
        }
        recovering = true;
        if (troubleEnd == null) {
            troubleEnd = Deadline.none().atMost(session.settings().retryPolicy().deadline().toNanos());
        }
        try {
            session.workers().execute(this::recover);
        } catch (RejectedExecutionException clientClosed) {
            recovering = false;
            failAll(new IllegalStateException("the client of queue " + layout.root + " is closed"));
        }
    }

    /**
     * On a worker: resolves every put on the wire in order, repairs what made puts fail, and sends
     * the unapplied ones again ahead of the waiting ones. Puts fail only when the retry policy's
     * deadline passes (their outcome is then unknown) or ZooKeeper refuses them for good.
     */
    private void recover() {
        List<Put> unapplied = new ArrayList<>();
        List<Put> settled = new ArrayList<>();
        Throwable fatal = null;
        List<Put> wire = snapshot();
        try {
            Deadline deadline = troubleEnd();
            session.retryThroughExpiry(deadline, () -> {
                resolve(wire, deadline);
                markers.ensureOwner(deadline);
                repair(wire, deadline);
                return null;
            });
        } catch (KeeperException e) {
            fatal = new ZkRecipeException("put into queue " + layout.root + " (the item may or may not have been put)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fatal = new IllegalStateException("put into queue " + layout.root + " interrupted", e);
        } catch (RuntimeException e) {
            fatal = e;
        }
        for (Put put : wire) {
            (put.applied ? settled : unapplied).add(put);
        }
        finishRecovery(settled, unapplied, fatal);
    }

    private synchronized Deadline troubleEnd() {
        return troubleEnd == null ? Deadline.none() : troubleEnd;
    }

    private synchronized List<Put> snapshot() {
        return new ArrayList<>(sent);
    }

    /** Learns from its marker whether each put whose reply was lost was applied (idempotent). */
    private void resolve(List<Put> wire, Deadline deadline) throws KeeperException, InterruptedException {
        for (Put put : wire) {
            if (!put.applied && put.failure != null && isUnknown(put.failure)
                    && markers.holds(put.slot, put.prefix, "a put", deadline)) {
                put.applied = true;
                put.failure = null;
            }
        }
    }

    /** Makes what was missing for the puts refused with NONODE: the slot, the owner node or the bucket. */
    private void repair(List<Put> wire, Deadline deadline) throws KeeperException, InterruptedException {
        long bucketRepaired = -1;
        for (Put put : wire) {
            if (put.applied || !(put.failure instanceof KeeperException.NoNodeException)) {
                continue;
            }
            if (!markers.repair(put.failure.getPath(), put.slot, deadline) && put.bucket != bucketRepaired) {
                bucketMissing(put.bucket, deadline);
                bucketRepaired = put.bucket;
            }
            put.failure = new KeeperException.BadVersionException(); // repaired: send again
        }
        if (tailUnknown()) {
            List<Long> buckets = listBuckets(deadline);
            if (buckets.isEmpty()) {
                createBucket(0, deadline); // a new queue (or lane): its first bucket now, not after a failed multi
            }
            synchronized (this) {
                tail = Math.max(tail, buckets.isEmpty() ? 0 : buckets.get(buckets.size() - 1));
            }
        }
    }

    private synchronized boolean tailUnknown() {
        return tail < 0;
    }

    private void finishRecovery(List<Put> settled, List<Put> unapplied, Throwable fatal) {
        List<Put> failed = new ArrayList<>();
        synchronized (this) {
            sent.clear();
            for (Put put : settled) {
                markers.release(put.slot);
            }
            for (int i = unapplied.size() - 1; i >= 0; i--) {
                Put put = unapplied.get(i);
                markers.release(put.slot);
                if (fatal != null || isRefusedForGood(put.failure)) {
                    failed.add(0, put);
                } else {
                    waiting.addFirst(put); // sent again, in order, before the ones that waited
                }
            }
            if (fatal != null) {
                failed.addAll(waiting);
                waiting.clear();
                troubleEnd = null;
            }
            broken = false;
            recovering = false;
            pump();
        }
        complete(settled);
        later(() -> failed.forEach(put -> put.done.completeExceptionally(fatal != null ? fatal
                : new ZkRecipeException("put into queue " + layout.root, put.failure))));
    }

    private void failAll(Throwable failure) {
        List<Put> failed = new ArrayList<>(sent);
        failed.addAll(waiting);
        sent.clear();
        waiting.clear();
        later(() -> failed.forEach(p -> p.done.completeExceptionally(failure)));
    }

    private static boolean isUnknown(KeeperException e) {
        return switch (e.code()) {
            case CONNECTIONLOSS, OPERATIONTIMEOUT, SESSIONEXPIRED, SESSIONMOVED -> true;
            default -> false;
        };
    }

    /** Refused for a reason a retry cannot mend (no access, bad ACL, ...): chain and NONODE refusals are mended. */
    private static boolean isRefusedForGood(KeeperException e) {
        return e != null && !isUnknown(e) && !(e instanceof KeeperException.BadVersionException)
                && !(e instanceof KeeperException.NoNodeException);
    }

    private static KeeperException keeperException(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof KeeperException ke) {
            return ke;
        }
        KeeperException unknown = new KeeperException.ConnectionLossException();
        unknown.initCause(t); // not sent, or its fate unknown: resolved from the marker like a lost reply
        return unknown;
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("queue " + layout.root + " is closed");
    }

    // ---- buckets -----------------------------------------------------------------------------

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
        createBucket(bucket, deadline);
    }

    private void createBucket(long bucket, Deadline deadline) throws KeeperException, InterruptedException {
        try {
            deadline.join(session.ops().create(layout.bucketPath(bucket), QueueLayout.EMPTY, CreateMode.CONTAINER));
        } catch (KeeperException.NodeExistsException e) {
            // another producer made it
        } catch (KeeperException.NoNodeException e) {
            layout.createItems(session, deadline); // the queue node (or the lane) itself was deleted
            createBucket(bucket, deadline);
        }
    }

    private List<Long> listBuckets(Deadline deadline) throws KeeperException, InterruptedException {
        try {
            return QueueLayout.buckets(deadline.join(session.ops().getChildren(layout.items, null)).names());
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }
}
