package io.zkrecipes.queue;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The takes of one queue instance, sent together.
 *
 * <p><b>A take.</b> Inside one multi: create and delete the item's claim node (fails if a
 * processing consumer holds a claim), then delete the item at the version read. Whoever's multi
 * succeeds owns the item. The multi starts with the owner check and ends with the write of a
 * marker slot, so that its outcome can be learnt after a lost reply, also across a session expiry.
 *
 * <p><b>Together.</b> The takes of an instance's threads that come while {@link #MAX_SENDING}
 * multis are on the wire wait, and go out in the next multi together, up to {@link #MAX_BATCH}
 * of them: one transaction and one round trip for many items. A multi applies whole or not at all;
 * when it fails on one item (taken by another consumer, or claimed) that take gets its answer and
 * the others go out again in the next multi. When a multi of n takes returns, the next waits a
 * moment ({@link #LINGER_NANOS} at most) for n more takes, or a full batch: the callers just
 * answered usually take again at once, and without the wait a lone take that came meanwhile
 * would go out alone, with the n behind it, halving the takes per multi.
 *
 * <p><b>Outcomes.</b> A multi whose outcome is unknown (lost reply, expiry) is resolved from its
 * marker on a worker thread, within the retry policy. Each caller waits for its own take until its
 * own deadline. An item taken for a caller that gave up meanwhile is handed to the next take; a
 * multi still unresolved when the retry policy gives up is resolved by the next take too. When the
 * instance closes first, such an item is put back under its own name, so it is at the head again.
 */
final class Takes {
    private static final Logger log = LoggerFactory.getLogger(Takes.class);
    /** Takes in one multi at most: beyond a few, a failed item costs every other one a resend. */
    static final int MAX_BATCH = 16;
    /** Multis of takes on the wire at once. */
    private static final int MAX_SENDING = 1;
    /** The longest a take waits for the takes expected behind it; short beside a round trip. */
    static final long LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    private static final Executor LINGER_END = CompletableFuture.delayedExecutor(LINGER_NANOS, TimeUnit.NANOSECONDS,
            Runnable::run);

    /** One caller's take of one item. */
    private static final class Request {
        final QueueReader.Candidate item;
        /** True if taken, false if gone; fails with NODEEXISTS if claimed. */
        final CompletableFuture<Boolean> outcome = new CompletableFuture<>();
        boolean abandoned; // guarded by Takes.this: its caller gave up, the item goes to the next take

        Request(QueueReader.Candidate item) {
            this.item = item;
        }
    }

    /** One multi: its takes, in order, and the marker slot it writes. */
    private record Batch(List<Request> requests, Markers.Slot marker) {
        String markerValue() {
            return requests.get(0).item.key(); // all or none are applied: the first tells for all
        }
    }

    private final Session session;
    private final QueueLayout layout;
    private final Markers markers;
    /** Told of every reply's mtime (the delay queue's clock); null when nobody needs it. */
    private final EnsembleClock clock;
    /** Where items have a due time (the delay queue's): how to put one back due at once; else null. */
    private final QueueReader.NotBefore notBefore;
    /** Told when an item handed out of the reader's cache was not taken: the reader lists again. */
    private final Runnable notTaken;
    /** Told when an item was taken for a caller that had given up: a waiting take can return it. */
    private final Runnable takenForNobody;
    private final Deque<Request> queued = new ArrayDeque<>(); // guarded by this
    private int sending; // guarded by this
    /** Takes expected soon: the callers of the last multi's takes, less those who came since. */
    private int expected; // guarded by this
    /** Counts the multis answered; a linger ends only the wait it was started for. */
    private long answered; // guarded by this
    private boolean lingering; // guarded by this
    /** Items taken for callers that had given up. */
    private final Deque<QueueReader.Candidate> late = new ConcurrentLinkedDeque<>();
    /** Multis whose outcome was still unknown when the retry policy gave up. */
    private final Deque<Batch> unresolved = new ConcurrentLinkedDeque<>();
    private boolean closed; // guarded by this: items taken for nobody are put back, not kept

    Takes(Session session, QueueLayout layout, Markers markers, EnsembleClock clock, QueueReader.NotBefore notBefore,
            Runnable notTaken, Runnable takenForNobody) {
        this.session = session;
        this.layout = layout;
        this.markers = markers;
        this.clock = clock;
        this.notBefore = notBefore;
        this.notTaken = notTaken;
        this.takenForNobody = takenForNobody;
    }

    /**
     * Takes {@code c}: true if taken, false if another consumer took it first.
     *
     * @throws KeeperException.NodeExistsException if claimed by a processing consumer
     * @throws KeeperException.OperationTimeoutException at the deadline, before the take was sent
     * @throws ZkRecipeException at the deadline, or when the retry policy gave up, with the take sent
     *         and its outcome unknown: a later take resolves it, and returns the item if it was taken
     */
    boolean take(QueueReader.Candidate c, Deadline deadline) throws KeeperException, InterruptedException {
        session.retryThroughExpiry(deadline, () -> {
            markers.ensureOwner(deadline); // no request once the owner node exists on this session
            return null;
        });
        Request request = new Request(c);
        synchronized (this) {
            if (closed) {
                throw closedError();
            }
            queued.addLast(request);
            expected = Math.max(0, expected - 1);
        }
        sendMore();
        try {
            return deadline.join(request.outcome);
        } catch (KeeperException.OperationTimeoutException | InterruptedException e) {
            Abandoned abandoned = abandon(request);
            if (abandoned == Abandoned.TOO_LATE) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return Deadline.none().join(request.outcome); // it came just now
            }
            if (abandoned == Abandoned.IN_DOUBT && e instanceof KeeperException timeout) {
                throw inDoubt(timeout);
            }
            throw e;
        }
    }

    /**
     * A take sent whose outcome is not known: the item may be gone from the queue already, so the
     * caller must not be told the queue was empty.
     */
    private ZkRecipeException inDoubt(KeeperException cause) {
        return new ZkRecipeException("take from queue " + layout.root + ": no reply by the deadline, the item may"
                + " have been taken; the next take or poll of this instance returns it if so (once the instance"
                + " is closed, it goes back into the queue)", cause);
    }

    /** An item taken earlier whose caller had given up, if any; else null. */
    QueueReader.Candidate earlier(Deadline deadline) throws KeeperException, InterruptedException {
        QueueReader.Candidate item = late.pollFirst();
        if (item != null) {
            return item;
        }
        for (Batch b = unresolved.pollFirst(); b != null; b = unresolved.pollFirst()) {
            Batch batch = b;
            boolean taken;
            try {
                taken = session.retryThroughExpiry(deadline,
                        () -> markers.holds(batch.marker(), batch.markerValue(), "a take", deadline));
            } catch (KeeperException | InterruptedException e) {
                unresolved.addFirst(batch);
                throw e;
            } catch (ZkRecipeException markerCollected) {
                markers.release(batch.marker()); // the outcome cannot be known any more: the slot is free
                throw markerCollected;
            }
            markers.release(batch.marker());
            if (taken) {
                batch.requests().forEach(r -> late.addLast(r.item));
                return late.pollFirst();
            }
            notTaken.run();
        }
        return null;
    }

    /** Whether an item taken for a caller that had given up waits for {@link #earlier}. */
    boolean holdsTaken() {
        return !late.isEmpty();
    }

    /** Whether no take is waiting, on the wire, unresolved or taken for nobody yet. */
    synchronized boolean isIdle() {
        return queued.isEmpty() && sending == 0 && late.isEmpty() && unresolved.isEmpty();
    }

    // ---- sending -----------------------------------------------------------------------------

    /** Sends what is queued while fewer than {@link #MAX_SENDING} multis are on the wire. */
    private void sendMore() {
        while (true) {
            List<Request> batch = new ArrayList<>();
            synchronized (this) {
                if (sending >= MAX_SENDING || queued.isEmpty()) {
                    return;
                }
                if (expected > 0 && queued.size() < MAX_BATCH) {
                    lingerOnce();
                    return;
                }
                while (batch.size() < MAX_BATCH && !queued.isEmpty()) {
                    batch.add(queued.pollFirst());
                }
                sending++;
            }
            send(new Batch(batch, markers.acquire()));
        }
    }

    /** Ends the wait for the expected takes after {@link #LINGER_NANOS}, if nothing ends it first. */
    private void lingerOnce() {
        if (lingering) {
            return;
        }
        lingering = true;
        long waitFor = answered;
        LINGER_END.execute(() -> {
            synchronized (this) {
                lingering = false;
                if (answered == waitFor) {
                    expected = 0;
                }
            }
            sendMore();
        });
    }

    private void send(Batch b) {
        try {
            markers.prepare(b.marker());
            session.ops().multi(ops(b)).whenComplete((results, failure) -> onReply(b, results, failure));
        } catch (RuntimeException e) {
            onReply(b, null, e); // the client is closed
        }
    }

    private List<Op> ops(Batch b) {
        AsyncOps ops = session.ops();
        List<Op> multi = new ArrayList<>(3 * b.requests().size() + 2);
        multi.add(markers.checkOwner());
        for (Request r : b.requests()) {
            String claim = layout.claimPath(r.item.key());
            multi.add(ops.createOp(claim, QueueLayout.EMPTY, CreateMode.EPHEMERAL));
            multi.add(Op.delete(claim, -1));
            multi.add(Op.delete(r.item.path(), r.item.version()));
        }
        multi.add(Markers.write(b.marker(), b.markerValue()));
        return multi;
    }

    // ---- replies -----------------------------------------------------------------------------

    /** On ZooKeeper's event thread (or the sender's): short, never waits. */
    private void onReply(Batch b, List<OpResult> results, Throwable failure) {
        if (failure == null) {
            Stat written = ((OpResult.SetDataResult) results.get(results.size() - 1)).getStat();
            Markers.written(b.marker(), written.getVersion());
            if (clock != null) {
                clock.observe(written.getMtime());
            }
            finish(b, true);
            return;
        }
        Throwable cause = unwrap(failure);
        if (cause instanceof KeeperException e && answeredOne(b, e)) {
            return;
        }
        if (cause instanceof KeeperException e && !isUnknown(e) && !(e instanceof KeeperException.NoNodeException)) {
            fail(b, new ZkRecipeException("take from queue " + layout.root, e));
            return;
        }
        if (!(cause instanceof KeeperException)) {
            fail(b, cause); // the client is closed
            return;
        }
        try {
            session.workers().execute(() -> recover(b, (KeeperException) cause));
        } catch (RejectedExecutionException clientClosed) {
            fail(b, new IllegalStateException("the client of queue " + layout.root + " is closed"));
        }
    }

    /**
     * The multi failed on one take's item: gone (taken by another consumer) or claimed. That take
     * has its answer; the others were not applied and go out again. False if no take's item failed.
     */
    private boolean answeredOne(Batch b, KeeperException e) {
        for (Request r : b.requests()) {
            boolean gone = r.item.path().equals(e.getPath()) && (e instanceof KeeperException.NoNodeException
                    || e instanceof KeeperException.BadVersionException);
            boolean claimed = e instanceof KeeperException.NodeExistsException
                    && layout.claimPath(r.item.key()).equals(e.getPath());
            if (gone || claimed) {
                markers.release(b.marker());
                settle(r, claimed ? e : null, false);
                resendAllBut(b, r);
                return true;
            }
        }
        return false;
    }

    /** All takes of {@code b} were applied ({@code taken}), or none was and they go out again. */
    private void finish(Batch b, boolean taken) {
        markers.release(b.marker());
        if (!taken) {
            resendAllBut(b, null);
            return;
        }
        synchronized (this) {
            answered++;
            // before the callers wake: each that takes again counts itself off
            expected = (int) b.requests().stream().filter(r -> !r.abandoned).count();
        }
        b.requests().forEach(r -> settle(r, null, true));
        doneSending();
    }

    private void resendAllBut(Batch b, Request answered) {
        synchronized (this) {
            List<Request> again = new ArrayList<>(b.requests());
            again.remove(answered);
            for (int i = again.size() - 1; i >= 0; i--) {
                Request r = again.get(i);
                if (r.abandoned) {
                    notTaken.run(); // its caller gave up and the item was not taken: it is back in the listings
                } else if (closed) {
                    r.outcome.completeExceptionally(closedError()); // not taken, and not sent again
                } else {
                    queued.addFirst(r); // ahead of the later ones, in order
                }
            }
        }
        doneSending();
    }

    private void doneSending() {
        synchronized (this) {
            sending--;
        }
        sendMore();
    }

    private void fail(Batch b, Throwable failure) {
        markers.release(b.marker());
        b.requests().forEach(r -> settle(r, failure, false));
        doneSending();
    }

    /** Completes {@code r}, or, if its caller gave up, hands a taken item to the next take. */
    private void settle(Request r, Throwable failure, boolean taken) {
        synchronized (this) {
            if (!r.abandoned) {
                if (failure != null) {
                    r.outcome.completeExceptionally(failure);
                } else {
                    r.outcome.complete(taken);
                }
                return;
            }
            if (taken && closed) {
                putBack(r.item);
                return;
            }
            if (taken) {
                late.addLast(r.item);
            }
        }
        (taken ? takenForNobody : notTaken).run();
    }

    /**
     * The instance closed: takes not yet sent fail with {@link IllegalStateException}; items taken
     * for callers that gave up go back into the queue, also those of multis still unresolved.
     */
    void close() {
        List<Request> notSent;
        synchronized (this) {
            closed = true;
            notSent = new ArrayList<>(queued);
            queued.clear();
        }
        notSent.forEach(r -> r.outcome.completeExceptionally(closedError()));
        for (QueueReader.Candidate item = late.pollFirst(); item != null; item = late.pollFirst()) {
            putBack(item);
        }
        for (Batch b = unresolved.pollFirst(); b != null; b = unresolved.pollFirst()) {
            resolveAfterClose(b);
        }
    }

    private void resolveAfterClose(Batch b) {
        try {
            session.workers().execute(() -> putBackIfTaken(b));
        } catch (RejectedExecutionException clientClosed) {
            log.error("queue {}: the outcome of a take is unknown and the client closed before it was learnt;"
                    + " item {} may be lost", layout.root, b.markerValue());
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("queue " + layout.root + " is closed");
    }

    /** On a worker, after close: learns whether an unresolved multi was applied; if so, puts its items back. */
    private void putBackIfTaken(Batch b) {
        Deadline deadline = Deadline.none().atMost(session.settings().retryPolicy().deadline().toNanos());
        try {
            if (session.retryThroughExpiry(deadline,
                    () -> markers.holds(b.marker(), b.markerValue(), "a take", deadline))) {
                b.requests().forEach(r -> createAgainWithinPolicy(r.item));
            }
        } catch (KeeperException | RuntimeException e) {
            log.error("queue {}: the outcome of a take of item {} is unknown; it may be lost",
                    layout.root, b.markerValue(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            markers.release(b.marker()); // after close: deletes the slot, and with the last one the owner
        }
    }

    /**
     * Creates {@code item} again under its own name, on a worker within the retry policy: nobody
     * got it, so it goes back where it was, at the head.
     */
    private void putBack(QueueReader.Candidate item) {
        try {
            session.workers().execute(() -> createAgainWithinPolicy(item));
        } catch (RejectedExecutionException clientClosed) {
            log.error("queue {}: item {} was taken for a caller that gave up; the client closed before it was"
                    + " put back", layout.root, item.key());
        }
    }

    private void createAgainWithinPolicy(QueueReader.Candidate item) {
        Deadline deadline = Deadline.none().atMost(session.settings().retryPolicy().deadline().toNanos());
        try {
            session.retryThroughExpiry(deadline, () -> {
                createAgain(item, deadline);
                return null;
            });
        } catch (KeeperException | RuntimeException e) {
            log.error("queue {}: item {} was taken for a caller that gave up and could not be put back",
                    layout.root, item.key(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.error("queue {}: interrupted while putting back item {}", layout.root, item.key());
        }
    }

    /** Its lane and bucket first, in case they were reaped meanwhile; pipelined, in order. */
    private void createAgain(QueueReader.Candidate item, Deadline deadline)
            throws KeeperException, InterruptedException {
        AsyncOps ops = session.ops();
        if (!layout.items.equals(layout.root)) {
            ops.create(layout.items, QueueLayout.EMPTY, CreateMode.CONTAINER); // NODEEXISTS as a rule
        }
        ops.create(layout.bucketPath(item.bucket()), QueueLayout.EMPTY, CreateMode.CONTAINER);
        try {
            byte[] data = notBefore == null ? item.data() : notBefore.dueAtOnce(item);
            deadline.join(ops.create(item.path(), data, CreateMode.PERSISTENT));
        } catch (KeeperException.NodeExistsException e) {
            // created by the try before, whose reply was lost: only this instance knows the name
        }
    }

    /** How a caller's giving up left its take. */
    private enum Abandoned {
        /** The outcome came first: the caller gets it. */
        TOO_LATE,
        /** Never sent: nothing was taken. */
        NOT_SENT,
        /** Sent: if taken, the item goes to the next take. */
        IN_DOUBT
    }

    private synchronized Abandoned abandon(Request r) {
        if (r.outcome.isDone()) {
            return Abandoned.TOO_LATE;
        }
        r.abandoned = true;
        if (queued.remove(r)) {
            notTaken.run();
            return Abandoned.NOT_SENT;
        }
        return Abandoned.IN_DOUBT;
    }

    // ---- recovery ----------------------------------------------------------------------------

    /**
     * On a worker: learns from the marker whether a multi with a lost reply was applied, or makes
     * what a refused one missed (owner node, marker slot, claims node), then answers or resends.
     */
    private void recover(Batch b, KeeperException failure) {
        Deadline deadline = Deadline.none().atMost(session.settings().retryPolicy().deadline().toNanos());
        boolean taken;
        try {
            taken = session.retryThroughExpiry(deadline, () -> resolve(b, failure, deadline));
        } catch (ZkRecipeException markerCollected) {
            fail(b, markerCollected);
            return;
        } catch (KeeperException e) {
            unresolvedNow(b, e);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unresolvedNow(b, new KeeperException.OperationTimeoutException());
            return;
        } catch (RuntimeException e) {
            fail(b, e); // the client is closed
            return;
        }
        finish(b, taken);
    }

    private boolean resolve(Batch b, KeeperException failure, Deadline deadline)
            throws KeeperException, InterruptedException {
        if (failure instanceof KeeperException.NoNodeException) {
            if (!markers.repair(failure.getPath(), b.marker(), deadline)) {
                layout.create(session, deadline); // the claims node was deleted
            }
            return false; // refused, so not applied: sent again
        }
        boolean taken = markers.holds(b.marker(), b.markerValue(), "a take", deadline);
        if (!taken && !isClosed()) {
            markers.ensureOwner(deadline); // a new session needs its owner node before the resend
        }
        return taken;
    }

    /** The retry policy gave up with the outcome unknown: callers get the failure, the next take resolves it. */
    private void unresolvedNow(Batch b, KeeperException e) {
        boolean afterClose;
        synchronized (this) {
            afterClose = closed;
            if (!afterClose) {
                unresolved.addLast(b); // the marker slot stays held until the outcome is known
            }
            b.requests().forEach(r -> r.outcome.completeExceptionally(inDoubt(e)));
        }
        if (afterClose) {
            resolveAfterClose(b);
        }
        doneSending();
    }

    private static boolean isUnknown(KeeperException e) {
        return switch (e.code()) {
            case CONNECTIONLOSS, OPERATIONTIMEOUT, SESSIONEXPIRED, SESSIONMOVED -> true;
            default -> false;
        };
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
