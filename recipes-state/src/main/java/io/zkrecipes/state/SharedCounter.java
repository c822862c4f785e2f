package io.zkrecipes.state;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;

/**
 * A 64-bit counter shared by processes, kept in one persistent node.
 *
 * <pre>{@code
 * SharedCounter orders = SharedCounter.create(client, "/counters/orders");
 * long mine = orders.incrementAndGet();
 * orders.addListener(value -> System.out.println("orders: " + value));
 * }</pre>
 *
 * <p><b>Guarantees.</b> Every change is applied exactly once, also when its reply is lost to a
 * connection drop or a session expiry, or else the call throws {@link OutcomeUnknownException}
 * (see below); every value returned is one the counter really had, and the value an
 * {@link #addAndGet} returns is the one its own change produced. Values wrap around on overflow,
 * like {@link java.util.concurrent.atomic.AtomicLong}. A counter whose node does not exist reads 0;
 * the first change creates the node (persistent, its parents as containers).
 *
 * <p><b>How a lost reply is settled.</b> Each change is a conditional write, on the node's data
 * version, of the new value together with a small table: for each of the last {@value #WRITERS_KEPT}
 * writers (one per {@code SharedCounter} object) the number of its last change and the value it
 * produced. When a write's reply is lost, the counter reads the node: its own entry there says
 * whether the change was applied, and with which result. An older entry, or none while fewer than
 * {@value #WRITERS_KEPT} writes have happened since the version the write was based on, means
 * it was not applied, and since it was conditional on a version now past it never will be: the
 * change is sent again. Only if {@value #WRITERS_KEPT} other writers have written since (or the node
 * was deleted and created again, or written by something that drops the table) is the outcome
 * unknown, and the call throws {@link OutcomeUnknownException} rather than guess.
 *
 * <p><b>Cost.</b> A persistent watch on the node (set with the first request, pipelined) tells the
 * counter whether the value it last read or wrote is still the latest, so a change usually costs
 * one write and no read; after someone else's change it costs a read and a write; a write that
 * loses a race costs a read before the next try. Concurrent calls on one {@code SharedCounter} are
 * combined: while one write is in flight the next calls queue, and all of them go out in the next
 * write (compare-and-sets go one at a time). Combining is not fair across processes: under a
 * sustained race, the process that wrote last is the likeliest to write next.
 *
 * <p><b>Faults.</b> While {@code SUSPENDED} a call waits and retries under the client's retry policy;
 * after {@code LOST} it continues on the new session (the node is persistent, nothing is lost with
 * the session). A call throws {@link ZkRecipeException} once the retry policy's deadline has passed
 * (or {@link OutcomeUnknownException} if a write was sent by then and its outcome is unknown),
 * counted from the call, also when it was queued behind another caller's write. Closing the client
 * ends a call at once with {@link IllegalStateException}. Deleting the node resets the counter to 0, and writing it by other means (Curator's
 * {@code DistributedAtomicLong} reads the same first 8 bytes, big-endian) is allowed but voids the
 * exactly-once guarantee of changes whose reply is lost at that moment.
 *
 * <p>Thread-safe. Made without any request; starts on first use (the first call or listener).
 * After {@link #close()} every method throws {@link IllegalStateException}.
 */
public final class SharedCounter implements AutoCloseable {
    /** How many writers' last changes the node remembers, to settle a lost reply. */
    public static final int WRITERS_KEPT = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Reads in a row whose state was already overtaken, before writing on one anyway. */
    private static final int MAX_STALE_READS = 3;

    /** Receives the counter's values. */
    @FunctionalInterface
    public interface Listener {
        /** The counter has (or had, an instant ago) {@code value}. */
        void countChanged(long value);
    }

    private final Session session;
    private final SharedNode<Long> node;
    private final long writerId = RANDOM.nextLong();
    private final Map<Listener, Consumer<Long>> listeners = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final ArrayDeque<Op> pending = new ArrayDeque<>(); // guarded by lock, like writing and closed
    private boolean writing;
    private boolean closed;
    private State cache; // only the writer reads and writes it
    private long lastSeq; // only the writer

    private SharedCounter(Session session, String path) {
        this.session = session;
        this.node = new SharedNode<>(session, path,
                seen -> seen.exists() ? CounterData.parse(seen.data(), path).value : null);
    }

    /**
     * A counter kept in the node at {@code path}. Sends nothing.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path or is the root
     * @throws IllegalStateException    if the client is closed
     */
    public static SharedCounter create(ZkClient client, String path) {
        Session session = Session.of(client);
        session.requireOpen();
        ZkPaths.validate(path, "path");
        if (path.equals("/")) {
            throw new IllegalArgumentException("path must not be the root: give the counter its own node");
        }
        return new SharedCounter(session, path);
    }

    /** The counter's node. */
    public String path() {
        return node.path();
    }

    /**
     * The current value, read from the server this client talks to (one request): a value the
     * counter had during the call, no older than any this client has seen.
     *
     * @throws ZkRecipeException     if the ensemble stays unreachable past the retry deadline
     * @throws IllegalStateException if the counter or its client is closed, or the node holds no counter
     * @throws InterruptedException  if interrupted
     */
    public long get() throws InterruptedException {
        requireOpen();
        Deadline deadline = deadline();
        try {
            return State.of(session.retryThroughExpiry(deadline, () -> deadline.join(node.read())), path()).value;
        } catch (KeeperException e) {
            throw new ZkRecipeException("read counter " + path(), e);
        }
    }

    /** Adds 1 and returns the new value; see {@link #addAndGet}. */
    public long incrementAndGet() throws InterruptedException {
        return addAndGet(1);
    }

    /**
     * Adds {@code delta} (negative to subtract) and returns the value this change produced.
     * Applied exactly once, or the call throws.
     *
     * @throws OutcomeUnknownException if the write's reply was lost and its outcome can no longer be told
     * @throws ZkRecipeException       if the ensemble stays unreachable past the retry deadline
     * @throws IllegalStateException   if the counter or its client is closed (also while waiting to be
     *                                 sent: the change is then not applied), or the node holds no counter
     * @throws InterruptedException    if interrupted before the change was sent (it is then not applied);
     *                                 once it is sent, the call waits for its outcome and returns with the
     *                                 interrupt flag set
     */
    public long addAndGet(long delta) throws InterruptedException {
        return submit(new Op(delta, false, 0, 0)).result;
    }

    /**
     * Sets the counter to {@code update} if it is {@code expect}. Returns {@code false} only if a
     * read made during the call showed another value.
     *
     * @throws OutcomeUnknownException if the write's reply was lost and its outcome can no longer be told
     * @throws ZkRecipeException       if the ensemble stays unreachable past the retry deadline
     * @throws IllegalStateException   if the counter or its client is closed, or the node holds no counter
     * @throws InterruptedException    as for {@link #addAndGet}
     */
    public boolean compareAndSet(long expect, long update) throws InterruptedException {
        return submit(new Op(0, true, expect, update)).succeeded;
    }

    /**
     * Tells {@code listener} the counter's values on a callback lane of its own: the last value this
     * counter saw, if any, then newer ones, in the order the counter had them (never an older one
     * after a newer). Intermediate values may be skipped, the latest is always delivered. Starts the
     * counter's watch if it is not running; each change then costs one read.
     *
     * @throws IllegalStateException if the counter or its client is closed
     */
    public void addListener(Listener listener) {
        addListener(listener, null);
    }

    /** {@link #addListener(Listener)} on {@code executor}; values still arrive one at a time, in order. */
    public void addListener(Listener listener, Executor executor) {
        Objects.requireNonNull(listener, "listener");
        requireOpen();
        Executor lane = executor == null ? session.newCallbackLane() : session.userLane(executor);
        Consumer<Long> wrapper = listener::countChanged;
        if (listeners.putIfAbsent(listener, wrapper) != null) {
            throw new IllegalArgumentException("listener was already added");
        }
        node.subscribe(wrapper, lane);
    }

    /** Stops telling {@code listener}; nothing if it was not added. Values already handed to it may still arrive. */
    public void removeListener(Listener listener) {
        Consumer<Long> wrapper = listeners.remove(listener);
        if (wrapper != null) {
            node.unsubscribe(wrapper);
        }
    }

    /**
     * Stops the listeners and the watch; changes not yet sent fail with {@link IllegalStateException}
     * and are not applied, a change already sent is settled as usual. Does not block. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (Op op : pending) {
                op.fail(new IllegalStateException("counter " + path() + " was closed before the change was sent"));
            }
            pending.clear();
        }
        node.close();
    }

    @Override
    public String toString() {
        return "SharedCounter[" + path() + "]";
    }

    // ---- combining: one caller at a time writes, for itself and everyone queued behind it ----

    private Op submit(Op op) throws InterruptedException {
        boolean interrupted;
        try (Wait wait = session.newWait()) {
            synchronized (lock) {
                requireOpenLocked();
                op.queued(wait, deadline());
                pending.add(op);
            }
            interrupted = awaitTurn(op);
        }
        if (!op.done) {
            interrupted |= writeUntilDone(op); // our turn; a caller whose change someone else applied must not write
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return op.outcome();
    }

    /**
     * Waits until {@code op} is done or it is this caller's turn to write ({@code writing} is then
     * set), on the client's wait: the writer ahead wakes it, and so do a state change and the
     * client's close. A change still queued when its deadline passes, the client closes or the
     * caller is interrupted is taken out unsent, and the call fails; one a writer has taken is
     * waited for.
     *
     * @return whether the caller was interrupted while its change was being written
     */
    private boolean awaitTurn(Op op) throws InterruptedException {
        boolean interrupted = false;
        while (true) {
            synchronized (lock) {
                if (op.done || op.taken) {
                    return awaitOutcome(op) | interrupted;
                }
                if (!writing) {
                    writing = true;
                    return interrupted;
                }
            }
            try {
                if (!op.wake.await(op.deadline) && withdrawn(op)) {
                    throw new ZkRecipeException("change counter " + path() + ", still queued behind a write",
                            KeeperException.create(Code.OPERATIONTIMEOUT, path()));
                }
            } catch (InterruptedException e) {
                if (withdrawn(op)) {
                    throw e; // never sent: nothing applied
                }
                interrupted = true; // being written: wait for its outcome
            } catch (IllegalStateException closed) {
                if (withdrawn(op)) {
                    throw closed;
                }
            }
        }
    }

    /** Takes {@code op} out of the queue if no writer has taken it yet; whether it did. */
    private boolean withdrawn(Op op) {
        synchronized (lock) {
            if (!pending.remove(op)) {
                return false;
            }
            wakeHead(); // it may have been the one woken to write: pass that on
            return true;
        }
    }

    /** Under the lock: while nobody writes, wakes the caller at the head of the queue to take over. */
    private void wakeHead() {
        Op next = pending.peek();
        if (!writing && next != null) {
            next.wake.fire();
        }
    }

    /**
     * Waits for the outcome of a change a writer has taken; the writer settles it by its deadline,
     * also after a close. Returns whether the caller was interrupted meanwhile.
     */
    private boolean awaitOutcome(Op op) {
        boolean interrupted = false;
        synchronized (lock) {
            while (!op.done) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        return interrupted;
    }

    /** Writes batch after batch until {@code mine} is done, then hands the writer's role to the next caller. */
    private boolean writeUntilDone(Op mine) {
        boolean interrupted = false;
        try {
            while (!mine.done) {
                Batch batch = takeBatch();
                if (batch == null) {
                    break; // closed meanwhile: close() failed what was queued
                }
                interrupted |= apply(batch);
            }
        } finally {
            synchronized (lock) {
                writing = false;
                wakeHead();
            }
        }
        return interrupted;
    }

    /**
     * The queued adds at the head of the line, all at once, or the compare-and-set there alone. The
     * batch ends by the earliest deadline among them, so that no caller waits past its own.
     */
    private Batch takeBatch() {
        synchronized (lock) {
            if (pending.isEmpty()) {
                return null;
            }
            List<Op> ops = new ArrayList<>();
            if (pending.peek().cas) {
                ops.add(pending.poll());
            } else {
                while (!pending.isEmpty() && !pending.peek().cas) {
                    ops.add(pending.poll());
                }
            }
            Deadline earliest = ops.get(0).deadline;
            for (Op op : ops) {
                op.taken = true;
                if (op.deadline.remainingNanos() < earliest.remainingNanos()) {
                    earliest = op.deadline;
                }
            }
            return new Batch(ops, ++lastSeq, earliest);
        }
    }

    // ---- one batch: conditional writes until one is applied, settling every lost reply ----

    /** Applies {@code b} and completes its operations; returns whether the thread was interrupted meanwhile. */
    private boolean apply(Batch b) {
        try {
            boolean readNow = cache == null || !node.isCurrent(cache.seen);
            State s = readNow ? read(b) : cache;
            while (true) {
                if (b.doubt != null) {
                    Settled settled = settle(b, s);
                    if (settled == Settled.APPLIED) {
                        finish(b, s.data.resultAt(s.data.indexOf(writerId)));
                        return b.interrupted;
                    }
                    if (settled == Settled.UNKNOWN) {
                        throw unknown(b, "its reply was lost and " + WRITERS_KEPT + " other writers have written"
                                + " since, or the node was re-created or written without the writers' table");
                    }
                }
                if (b.cas && s.value != b.expect) {
                    if (readNow) {
                        finishCas(b, false);
                        return b.interrupted;
                    }
                    s = read(b);
                    readNow = true;
                    continue;
                }
                if (readNow && s.seen.exists() && !node.isCurrent(s.seen) && b.staleReads++ < MAX_STALE_READS) {
                    // why read again: a newer change was announced while we read, so that write would fail
                    s = read(b);
                    continue;
                }
                if (tryWrite(b, s)) {
                    return b.interrupted;
                }
                s = read(b);
                readNow = true;
            }
        } catch (KeeperException e) {
            b.failAll(b.doubt != null ? unknown(b, "its reply was lost and the node could not be read before the"
                    + " retry deadline", e) : new ZkRecipeException("change counter " + path(), e));
        } catch (RuntimeException e) {
            b.failAll(e);
        }
        synchronized (lock) {
            lock.notifyAll();
        }
        return b.interrupted;
    }

    /** One conditional write on {@code s}; true if applied (and the batch finished), false to read and try again. */
    private boolean tryWrite(Batch b, State s) throws KeeperException {
        long target = b.cas ? b.update : s.value + b.total;
        byte[] bytes = s.data.after(writerId, b.seq, target).encode();
        CompletableFuture<SharedNode.Seen> sent = s.seen.exists()
                ? node.setData(bytes, s.seen.stat().getVersion()) // why no read first: the watch says s is current
                : node.create(bytes);
        try {
            SharedNode.Seen written = b.deadline.join(sent);
            cache = State.of(written, path());
            finish(b, target);
            return true;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException
                | KeeperException.NodeExistsException raced) {
            return false;
        } catch (KeeperException e) {
            if (!ZkClient.isRetryable(e.code()) && e.code() != Code.SESSIONEXPIRED) {
                throw e;
            }
            b.doubt(s, e);
            return false;
        } catch (InterruptedException e) {
            b.interrupted = true; // stop waiting, settle it like a lost reply: the read below comes after the write
            b.doubt(s, KeeperException.create(Code.OPERATIONTIMEOUT, path()));
            return false;
        }
    }

    private enum Settled { APPLIED, NOT_APPLIED, UNKNOWN }

    /** Whether the batch's writes, one of whose replies was lost, were applied, going by what {@code s} shows. */
    private Settled settle(Batch b, State s) {
        if (!s.seen.exists()) {
            return Settled.NOT_APPLIED; // no write of ours can be applied to a missing node later
        }
        int mine = s.data.indexOf(writerId);
        if (mine >= 0) {
            return s.data.seqAt(mine) == b.seq ? Settled.APPLIED : Settled.NOT_APPLIED; // an older change of ours
        }
        int version = s.seen.stat().getVersion();
        boolean sameNode = b.doubt.version < 0 || s.seen.stat().getCzxid() == b.doubt.czxid;
        boolean tableKept = s.data.tabled || version == b.doubt.version;
        // our entry, had the write been applied, is only pushed out by WRITERS_KEPT later writes of others
        return sameNode && tableKept && version <= b.doubt.version + WRITERS_KEPT ? Settled.NOT_APPLIED
                : Settled.UNKNOWN;
    }

    /** Reads the node (retrying through outages and expiry until the batch's deadline); also the new cache. */
    private State read(Batch b) throws KeeperException {
        while (true) {
            try {
                State s = State.of(session.retryThroughExpiry(b.deadline, () -> b.deadline.join(node.read())), path());
                cache = s;
                return s;
            } catch (InterruptedException e) {
                b.interrupted = true; // a read changes nothing: read again, the caller learns of it at the end
            }
        }
    }

    private void finish(Batch b, long result) {
        synchronized (lock) {
            if (b.cas) {
                b.ops.get(0).succeed(true, b.update);
            } else {
                long value = result - b.total;
                for (Op op : b.ops) {
                    value += op.delta;
                    op.succeed(true, value);
                }
            }
            lock.notifyAll();
        }
    }

    private void finishCas(Batch b, boolean applied) {
        synchronized (lock) {
            b.ops.get(0).succeed(applied, 0);
            lock.notifyAll();
        }
    }

    private OutcomeUnknownException unknown(Batch b, String why) {
        return unknown(b, why, b.doubt.cause);
    }

    private OutcomeUnknownException unknown(Batch b, String why, KeeperException cause) {
        return new OutcomeUnknownException((b.cas ? "compare-and-set" : "add " + b.total) + " on counter " + path()
                + " may or may not have been applied: " + why, cause);
    }

    private Deadline deadline() {
        return Deadline.after(session.settings().retryPolicy().deadline());
    }

    private void requireOpen() {
        synchronized (lock) {
            requireOpenLocked();
        }
    }

    private void requireOpenLocked() {
        if (closed) {
            throw new IllegalStateException("counter " + path() + " is closed");
        }
        session.requireOpen();
    }

    /** One caller's change; its fields are guarded by the counter's lock. */
    private static final class Op {
        final long delta;
        final boolean cas;
        final long expect;
        final long update;
        /** Woken when the change is done or its caller may write; set when queued. */
        Wait wake;
        Deadline deadline;
        /** Whether a writer took it out of the queue: from then on it is settled, not withdrawn. */
        boolean taken;
        boolean done;
        boolean succeeded;
        long result;
        RuntimeException failure;

        Op(long delta, boolean cas, long expect, long update) {
            this.delta = delta;
            this.cas = cas;
            this.expect = expect;
            this.update = update;
        }

        void queued(Wait wait, Deadline until) {
            wake = wait;
            deadline = until;
        }

        void succeed(boolean applied, long value) {
            succeeded = applied;
            result = value;
            done = true;
            wake.fire();
        }

        void fail(RuntimeException e) {
            failure = e;
            done = true;
            wake.fire();
        }

        Op outcome() {
            if (failure != null) {
                // a fresh exception per caller, so that each gets its own stack trace
                if (failure instanceof OutcomeUnknownException u) {
                    throw new OutcomeUnknownException(u.getMessage(), (KeeperException) u.getCause());
                }
                throw failure;
            }
            return this;
        }
    }

    /** The write whose reply was lost: the version it was conditional on (-1: a create) and the node's czxid then. */
    private record Doubt(int version, long czxid, KeeperException cause) {
    }

    /** Operations applied by one write; all of them share its change number {@code seq}. */
    private final class Batch {
        final List<Op> ops;
        final long seq;
        final Deadline deadline;
        final boolean cas;
        final long expect;
        final long update;
        final long total;
        Doubt doubt;
        boolean interrupted;
        int staleReads;

        Batch(List<Op> ops, long seq, Deadline deadline) {
            this.ops = ops;
            this.seq = seq;
            this.deadline = deadline;
            Op first = ops.get(0);
            this.cas = first.cas;
            this.expect = first.expect;
            this.update = first.update;
            long sum = 0;
            for (Op op : ops) {
                sum += op.delta; // wraps like the counter
            }
            this.total = sum;
        }

        void doubt(State base, KeeperException cause) {
            boolean exists = base.seen.exists();
            doubt = new Doubt(exists ? base.seen.stat().getVersion() : -1, exists ? base.seen.stat().getCzxid() : 0,
                    cause);
        }

        void failAll(RuntimeException e) {
            synchronized (lock) {
                ops.forEach(op -> op.fail(e));
            }
        }
    }

    /** A state of the counter's node, decoded. */
    private record State(long value, CounterData data, SharedNode.Seen seen) {
        static State of(SharedNode.Seen seen, String path) {
            CounterData data = seen.exists() ? CounterData.parse(seen.data(), path) : CounterData.EMPTY;
            return new State(data.value, data, seen);
        }
    }

    /**
     * The node's data: the value as 8 bytes, big-endian (what {@code DistributedAtomicLong} reads
     * too), then a format byte (1), the number of writers, and for each, most recent first, its id,
     * the number of its last change and the value that change produced (8 bytes each). An empty node
     * reads 0; a bare 8-byte value is accepted, with no table.
     */
    static final class CounterData {
        static final CounterData EMPTY = new CounterData(0, new long[0], false);
        private static final byte FORMAT = 1;
        private static final int HEADER = 10;
        private static final int ENTRY = 24;

        final long value;
        final boolean tabled;
        private final long[] table; // writer, seq, result; writer, seq, result; ...

        private CounterData(long value, long[] table, boolean tabled) {
            this.value = value;
            this.table = table;
            this.tabled = tabled;
        }

        /** @throws IllegalStateException if {@code data} is not a counter */
        static CounterData parse(byte[] data, String path) {
            if (data == null || data.length == 0) {
                return EMPTY;
            }
            ByteBuffer in = ByteBuffer.wrap(data);
            if (data.length == 8) {
                return new CounterData(in.getLong(), new long[0], false);
            }
            int writers = data.length >= HEADER ? data[9] & 0xff : -1;
            if (data.length < HEADER || data[8] != FORMAT || data.length != HEADER + ENTRY * writers) {
                throw new IllegalStateException("node " + path + " holds " + data.length
                        + " bytes that are not a counter (8 bytes of value, then the writers' table)");
            }
            long value = in.getLong();
            in.position(HEADER);
            long[] table = new long[writers * 3];
            for (int i = 0; i < table.length; i++) {
                table[i] = in.getLong();
            }
            return new CounterData(value, table, true);
        }

        int indexOf(long writer) {
            for (int i = 0; i < table.length; i += 3) {
                if (table[i] == writer) {
                    return i / 3;
                }
            }
            return -1;
        }

        long seqAt(int index) {
            return table[index * 3 + 1];
        }

        long resultAt(int index) {
            return table[index * 3 + 2];
        }

        /**
         * The data after {@code writer}'s change number {@code seq} set the value to {@code result}:
         * that writer first, then the others, the oldest dropped beyond {@link #WRITERS_KEPT}.
         */
        CounterData after(long writer, long seq, long result) {
            int kept = Math.min(WRITERS_KEPT - 1, table.length / 3 - (indexOf(writer) >= 0 ? 1 : 0));
            long[] next = new long[(kept + 1) * 3];
            next[0] = writer;
            next[1] = seq;
            next[2] = result;
            int at = 3;
            for (int i = 0; i < table.length && at < next.length; i += 3) {
                if (table[i] != writer) {
                    System.arraycopy(table, i, next, at, 3);
                    at += 3;
                }
            }
            return new CounterData(result, next, true);
        }

        byte[] encode() {
            ByteBuffer out = ByteBuffer.allocate(HEADER + ENTRY * (table.length / 3));
            out.putLong(value).put(FORMAT).put((byte) (table.length / 3));
            for (long v : table) {
                out.putLong(v);
            }
            return out.array();
        }
    }
}
