package io.zkrecipes.queue;

import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Listings;
import io.zkrecipes.core.internal.Sequences;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;

/**
 * The consuming side of one queue instance: its position in the queue, its takes, and its wait.
 *
 * <p><b>Position.</b> The known buckets, the cached sorted names of the current bucket and the
 * data of the next few names, read ahead in one read-only multi; names are re-listed only
 * when the cache is used up. A consumer leaves bucket k for k+1 only after deleting k, which the
 * server refuses while k holds an item, so an item put late into k is never skipped. At the end of
 * a pass the last bucket and the queue node are listed with this instance's watcher: from then on
 * the queue is known to hold nothing available until an event arrives, and looking costs no request.
 * The lock guards this cache and is held only while looking, never while waiting.
 *
 * <p><b>Takes</b> are {@link Takes}'s: one multi for the takes of this instance's threads that come
 * together. A take whose outcome is still unknown at its caller's deadline is resolved in the
 * background, and its item, if taken, returned by the next call.
 *
 * <p><b>Claimed items.</b> An item found claimed by another consumer is passed over until its claim
 * goes: its claim node is watched once, and the deletion wakes the instance.
 *
 * <p><b>Waiting.</b> Threads wait on one {@link Wait} per instance, woken by the watcher, by every
 * state change of the session and by close. A wake-up is taken by one thread; a thread that takes
 * an item while more are cached passes the wake on, so a put wakes one thread per instance. An
 * item taken for a caller that gave up wakes every waiting thread, since only a take can return it.
 */
final class QueueReader {
    /** An item read from its node, ready to be taken or claimed. */
    record Candidate(String key, long bucket, String name, String path, byte[] data, int version, long ctime) {
    }

    /** When an item may be taken, by the ensemble's clock (milliseconds since the epoch). */
    interface NotBefore {
        long of(Candidate c);

        /** The data to create {@code c} again with, due at once: it was due when it was taken. */
        byte[] dueAtOnce(Candidate c);
    }

    /** What one step on a candidate gives: a result, or null if the item is gone. */
    interface Step<R> {
        /** @throws KeeperException.NodeExistsException if the item is claimed by another consumer */
        R apply(Candidate c) throws KeeperException, InterruptedException;
    }

    private record Pending(long bucket, String name, String path, CompletableFuture<AsyncOps.NodeData> data) {
    }

    private static final int READ_AHEAD = 32;
    /** How far into the cached names a consumer that lost a race jumps, at most. */
    private static final int SPREAD_WINDOW = 256;
    /** Takes after a lost race during which a fresh listing is entered at a random point too. */
    private static final int CONTENTION_MEMORY = 64;

    private final Session session;
    private final QueueLayout layout;
    /** Null when every item may be taken at once. */
    private final NotBefore notBefore;
    private final EnsembleClock clock;
    /** Told of every change that may make an item available; null for none. */
    private final Runnable onChange;
    private final Runnable onTakenForNobody;
    private final Watcher watcher = this::onEvent;
    /** Watch events seen so far: a pass armed at one count is still true while the count stays. */
    private final AtomicLong changes = new AtomicLong();
    /** Paths watched with {@link #watcher} on the current session, to remove the watches at close. */
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    /** Keys of items claimed by other consumers, until their claim's watch fires. */
    private final Set<String> skipped = ConcurrentHashMap.newKeySet();
    /** Keys of items a thread of this instance is taking or claiming right now. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Takes takes;
    private volatile boolean rewind;
    /** Set by a lost race: the next look jumps ahead, away from the consumer it collided with. */
    private volatile boolean jump;
    /** Takes left before this instance assumes it is alone again and takes strictly from the head. */
    private volatile int contended;
    private volatile boolean closed;
    private volatile Wait wait; // made at the first wait, under this

    // the cache, guarded by lock
    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<String> names = new ArrayDeque<>();
    private final Deque<Pending> readAhead = new ArrayDeque<>();
    private List<Long> buckets;
    private int index;
    private boolean passEnded;
    private long armedChanges = -1;
    private long cursorSession;
    /** Items read but not due yet, earliest first, with their keys; handed out once due. */
    private final PriorityQueue<Held> notDue = new PriorityQueue<>();
    private final Set<String> notDueKeys = new HashSet<>();
    /** When the earliest item not due yet becomes due ({@link System#nanoTime()}); Long.MAX_VALUE for none. */
    private volatile long nextDueNanos = Long.MAX_VALUE;

    private record Held(long dueMs, Candidate item) implements Comparable<Held> {
        @Override
        public int compareTo(Held other) {
            return Long.compare(dueMs, other.dueMs);
        }
    }

    QueueReader(Session session, QueueLayout layout, Markers markers) {
        this(session, layout, markers, null, null, null, null);
    }

    /** {@code onChange} wakes one waiting thread of a larger queue; {@code onTakenForNobody} all its takes. */
    QueueReader(Session session, QueueLayout layout, Markers markers, NotBefore notBefore, EnsembleClock clock,
            Runnable onChange, Runnable onTakenForNobody) {
        this.session = session;
        this.layout = layout;
        this.notBefore = notBefore;
        this.clock = clock;
        this.onChange = onChange;
        this.onTakenForNobody = onTakenForNobody;
        this.takes = new Takes(session, layout, markers, clock, notBefore, this::relistAndWake, this::wakeTakes);
    }

    // ---- calls -------------------------------------------------------------------------------

    /**
     * Takes the next item, waiting for one until {@code wait}; requests are bounded by
     * {@code replies}. Empty at the deadline.
     */
    Optional<Candidate> take(Deadline wait, Deadline replies) throws KeeperException, InterruptedException {
        while (true) {
            Candidate earlier = takes.earlier(replies);
            if (earlier != null) {
                return Optional.of(earlier);
            }
            // a take that gave up while this one waits may hand its item over: then this one returns it
            Optional<Candidate> taken = next(wait, replies, c -> takes.take(c, replies) ? c : null, takes::holdsTaken);
            if (taken.isPresent() || !takes.holdsTaken()) {
                return taken;
            }
        }
    }

    /** Applies {@code step} to available items in order until one gives a result; empty at the deadline. */
    <R> Optional<R> next(Deadline wait, Deadline replies, Step<R> step) throws KeeperException, InterruptedException {
        return next(wait, replies, step, () -> false);
    }

    /** As {@link #next(Deadline, Deadline, Step)}, and empty as soon as {@code stop} is true. */
    private <R> Optional<R> next(Deadline wait, Deadline replies, Step<R> step, BooleanSupplier stop)
            throws KeeperException, InterruptedException {
        while (true) {
            Candidate c = awaitCandidate(wait, replies, stop);
            if (c == null) {
                return Optional.empty();
            }
            Optional<R> result = tryStep(c, step);
            if (result != null) {
                return result;
            }
        }
    }

    /**
     * Applies {@code step} to the items available now until one gives a result; empty when none is
     * available (also while disconnected), without waiting. For a caller that waits itself, on
     * several queues at once.
     */
    <R> Optional<R> tryNext(Deadline replies, Step<R> step) throws KeeperException, InterruptedException {
        while (true) {
            requireOpen();
            if (!session.isConnected()) {
                return Optional.empty();
            }
            Candidate c = session.retryThroughExpiry(replies, () -> lookLocked(replies, true));
            if (c == null) {
                return Optional.empty();
            }
            Optional<R> result = tryStep(c, step);
            if (result != null) {
                return result;
            }
        }
    }

    /** The result of {@code step} on {@code c}; null if the item went to another consumer or is claimed. */
    private <R> Optional<R> tryStep(Candidate c, Step<R> step) throws KeeperException, InterruptedException {
        R result;
        try {
            result = step.apply(c);
        } catch (KeeperException.NodeExistsException claimed) {
            skip(c);
            return null;
        } catch (KeeperException | InterruptedException | RuntimeException e) {
            relist(); // the item may still be there, and it has left the cache
            throw e;
        } finally {
            inFlight.remove(c.key());
        }
        if (result != null) {
            contended = Math.max(0, contended - 1);
            return Optional.of(result);
        }
        lostRace();
        return null;
    }

    /** Takes the next item without waiting; empty if none is available now. */
    Optional<Candidate> tryTake(Deadline replies) throws KeeperException, InterruptedException {
        Candidate earlier = takes.earlier(replies);
        if (earlier != null) {
            return Optional.of(earlier);
        }
        return tryNext(replies, c -> takes.take(c, replies) ? c : null);
    }

    /** Whether nothing is held here: no take with an unknown outcome, no item waiting for its time. */
    boolean isIdle() {
        return takes.isIdle() && nextDueNanos == Long.MAX_VALUE;
    }

    /** When the earliest item held back as not due becomes due ({@link System#nanoTime()}); Long.MAX_VALUE for none. */
    long nextDueNanos() {
        return nextDueNanos;
    }

    /**
     * Another consumer took the item first: each lost race is a failed multi, a server write. Jump
     * to a random point of the cached names so that consumers spread over the queue's head
     * instead of racing for the same item; a consumer that never loses takes strictly in order.
     */
    private void lostRace() {
        contended = CONTENTION_MEMORY;
        jump = true;
    }

    /** The first available item without taking it; never waits for one. */
    Optional<Candidate> peek(Deadline replies) throws KeeperException, InterruptedException {
        requireOpen();
        return Optional.ofNullable(session.retryThroughExpiry(replies, () -> lookLocked(replies, false)));
    }

    /** The next look starts again at the head of the first bucket (an item failed and is back). */
    void rewind() {
        rewind = true;
    }

    /** Waiting calls throw {@link IllegalStateException}; watches are removed in the background. */
    void close() {
        Wait w;
        synchronized (this) {
            closed = true;
            w = wait;
            wait = null;
        }
        if (w != null) {
            w.fire(); // each woken thread passes it on before it throws
            w.close();
        }
        takes.close();
        if (session.isClosed()) {
            return;
        }
        try {
            for (String path : watched) {
                // pipelined, not awaited: NOWATCHER for a watch that fired meanwhile is fine
                session.ops().removeWatches(path, watcher, Watcher.WatcherType.Any);
            }
        } catch (IllegalStateException clientClosed) {
            // closed meanwhile: the watches went with it
        }
        watched.clear();
    }

    // ---- waiting -----------------------------------------------------------------------------

    /** The next candidate, waiting for one until {@code wait}; null at the deadline or once {@code stop} is true. */
    private Candidate awaitCandidate(Deadline wait, Deadline replies, BooleanSupplier stop)
            throws KeeperException, InterruptedException {
        Wait w = waitOfThisInstance();
        try {
            while (true) {
                requireOpen();
                long firedAll = w.firedAll(); // before the stop check: a take handed over after it wakes this one
                if (stop.getAsBoolean()) {
                    return null;
                }
                // while disconnected nothing can be learnt: wait for the state change instead of sending
                if (session.isConnected()) {
                    Candidate c = session.retryThroughExpiry(replies, () -> lookLocked(replies, true));
                    if (c != null) {
                        return c;
                    }
                }
                if (!w.await(wait.atMostUntil(nextDueNanos), firedAll) && wait.passed()) {
                    return null;
                }
            }
        } catch (KeeperException | InterruptedException | RuntimeException e) {
            w.fire(); // the wake this thread may have taken goes to the next waiting thread
            throw e;
        }
    }

    private synchronized Wait waitOfThisInstance() {
        requireOpen();
        if (wait == null) {
            wait = session.newWait();
        }
        return wait;
    }

    /** Runs on ZooKeeper's event thread: short and non-blocking. */
    private void onEvent(WatchedEvent event) {
        String path = event.getPath();
        if (path == null) {
            return; // a state change: the session wakes the wait, and the watches stay with the session
        }
        watched.remove(path);
        if (path.startsWith(layout.claims + "/")) {
            skipped.remove(path.substring(layout.claims.length() + 1));
        }
        changes.incrementAndGet();
        fireWait();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("queue " + layout.root + " is closed");
        }
    }

    // ---- looking -----------------------------------------------------------------------------

    /** One look under the lock; null if nothing is available now (or the lock stayed busy past the deadline). */
    private Candidate lookLocked(Deadline replies, boolean hand) throws KeeperException, InterruptedException {
        if (!lock.tryLock(replies.remainingNanos(), TimeUnit.NANOSECONDS)) {
            return null;
        }
        boolean more;
        Candidate c;
        try {
            // one attempt holds the lock at most a session timeout; the retry loop pauses outside it
            c = look(replies.atMost(session.sessionTimeoutNanos()), hand);
            more = c != null && hand && !(readAhead.isEmpty() && names.isEmpty());
            session.events().queueDepthSeen(layout.root, names.size() + readAhead.size());
        } catch (KeeperException e) {
            forget(); // a read failed half-way: start again from a fresh listing
            throw e;
        } finally {
            lock.unlock();
        }
        if (more) {
            fireWait(); // more items are cached: another waiting thread can take the next one now
        }
        return c;
    }

    /**
     * An item was taken for a caller that gave up: every waiting thread looks, for only a take can
     * return it, and the one thread a fire wakes may be a {@code processNext}.
     */
    private void wakeTakes() {
        Wait w = wait;
        if (w != null) {
            w.fireAll();
        }
        if (onTakenForNobody != null) {
            onTakenForNobody.run();
        }
    }

    private void fireWait() {
        Wait w = wait;
        if (w != null) {
            w.fire();
        }
        if (onChange != null) {
            onChange.run();
        }
    }

    /** The next item to try; {@code hand} hands it out (else it stays first). Null when none is available. */
    private Candidate look(Deadline deadline, boolean hand) throws KeeperException, InterruptedException {
        long sid = session.sessionId();
        if (sid != cursorSession) {
            // a new session: its watches are gone, and claims of the old one with them
            forget();
            skipped.clear();
            watched.clear();
            cursorSession = sid;
        }
        if (rewind) {
            rewind = false;
            names.clear();
            readAhead.clear();
            index = 0;
            passEnded = false;
        }
        Candidate due = dueHeld(hand);
        if (due != null) {
            return due;
        }
        if (passEnded) {
            if (armedChanges == changes.get()) {
                return null; // nothing changed since the watched listing: no request needed
            }
            passEnded = false;
            index = 0;
        }
        while (true) {
            if (jump && !names.isEmpty()) {
                spread();
            }
            Pending p = readAhead.peekFirst();
            if (p != null) {
                Candidate c = read(p, deadline);
                if (c == null || skipped.contains(c.key()) || inFlight.contains(c.key()) || heldBack(c, deadline)) {
                    readAhead.pollFirst();
                    continue;
                }
                if (hand) {
                    readAhead.pollFirst();
                    inFlight.add(c.key());
                    if (readAhead.size() < READ_AHEAD / 2 && !names.isEmpty()) {
                        readAhead(); // ahead of need: the next reads are in flight before the cache runs dry
                    }
                }
                return c;
            }
            if (!names.isEmpty()) {
                readAhead();
            } else if (!refill(deadline)) {
                if (armedChanges == changes.get()) {
                    passEnded = true;
                    return null;
                }
                index = 0; // something changed during the pass: look again now
            }
        }
    }

    /**
     * Skips a random number (up to {@link #SPREAD_WINDOW}) of the next names, those read ahead
     * first; the skipped ones come back after one more window of names: a bounded detour.
     */
    private void spread() {
        jump = false;
        List<String> passed = new ArrayList<>();
        for (Pending p : readAhead) {
            passed.add(p.name());
        }
        readAhead.clear();
        int skip = ThreadLocalRandom.current().nextInt(Math.min(SPREAD_WINDOW, names.size()) + 1);
        for (int i = 0; i < skip; i++) {
            passed.add(names.pollFirst());
        }
        List<String> window = new ArrayList<>();
        while (window.size() < SPREAD_WINDOW && !names.isEmpty()) {
            window.add(names.pollFirst());
        }
        window.addAll(passed);
        for (int i = window.size() - 1; i >= 0; i--) {
            names.addFirst(window.get(i));
        }
    }

    /** The earliest held-back item if it is due now; handed out if {@code hand}. Holds the lock. */
    private Candidate dueHeld(boolean hand) {
        Held first = notDue.peek();
        if (first == null || clock.nowAtLeast() < first.dueMs()) {
            return null;
        }
        if (hand) {
            notDue.poll();
            notDueKeys.remove(first.item().key());
            inFlight.add(first.item().key());
            updateNextDue();
        }
        return first.item();
    }

    /**
     * Whether {@code c} must wait for its time: then it is held back, out of the listings, until due.
     * The clock is sampled first if its bound is not fresh, so an item is held only by a fresh bound.
     */
    private boolean heldBack(Candidate c, Deadline deadline) throws KeeperException, InterruptedException {
        if (notBefore == null) {
            return false;
        }
        long dueMs = notBefore.of(c);
        if (clock.nowAtLeast() >= dueMs) {
            return false;
        }
        if (!clock.isFresh()) {
            clock.sample(session, layout.root, deadline);
            if (clock.nowAtLeast() >= dueMs) {
                return false;
            }
        }
        notDue.add(new Held(dueMs, c));
        notDueKeys.add(c.key());
        updateNextDue();
        return true;
    }

    private void updateNextDue() {
        Held first = notDue.peek();
        nextDueNanos = first == null ? Long.MAX_VALUE : clock.nanosWhen(first.dueMs());
    }

    private Candidate read(Pending p, Deadline deadline) throws KeeperException, InterruptedException {
        AsyncOps.NodeData d = deadline.join(p.data());
        if (d == null) {
            return null; // taken by someone else meanwhile
        }
        Stat stat = d.stat();
        return new Candidate(layout.key(p.bucket(), p.name()), p.bucket(), p.name(), p.path(), d.data(),
                stat.getVersion(), stat.getCtime());
    }

    private void readAhead() {
        long bucket = buckets.get(index);
        String bucketPath = layout.bucketPath(bucket);
        List<String> batch = new ArrayList<>();
        while (readAhead.size() + batch.size() < READ_AHEAD && !names.isEmpty()) {
            batch.add(names.pollFirst());
        }
        List<String> paths = new ArrayList<>(batch.size());
        for (String name : batch) {
            paths.add(ZkPaths.join(bucketPath, name));
        }
        // the next few items' data in one request: one round trip, and one packet for the server
        CompletableFuture<List<AsyncOps.NodeData>> read = session.ops().getDataAll(paths);
        for (int i = 0; i < batch.size(); i++) {
            int at = i;
            readAhead.addLast(new Pending(bucket, batch.get(i), paths.get(i), read.thenApply(all -> all.get(at))));
        }
    }

    /** Loads the next names; false at the end of a pass (watches set, armed at the count before listing). */
    private boolean refill(Deadline deadline) throws KeeperException, InterruptedException {
        long seen = changes.get();
        AsyncOps ops = session.ops();
        if (buckets == null || buckets.isEmpty()) {
            buckets = listRoot(ops.getChildren(layout.items, watch(layout.items)), deadline);
            index = 0;
        }
        if (index >= buckets.size()) {
            return endPass(seen);
        }
        long bucket = buckets.get(index);
        boolean last = index == buckets.size() - 1;
        String bucketPath = layout.bucketPath(bucket);
        CompletableFuture<AsyncOps.Children> listed =
                ops.getChildren(bucketPath, last ? watch(bucketPath) : null);
        // pipelined with the last bucket's listing: learn of a newer bucket in the same round trip
        CompletableFuture<AsyncOps.Children> root =
                last ? ops.getChildren(layout.items, watch(layout.items)) : null;
        List<String> items = listBucket(bucketPath, listed, deadline);
        if (root != null) {
            updateBuckets(bucket, listRoot(root, deadline));
        }
        return load(bucket, items, seen, deadline);
    }

    /** Takes a bucket's listing: its available names, or the move to the next bucket. */
    private boolean load(long bucket, List<String> items, long seen, Deadline deadline)
            throws KeeperException, InterruptedException {
        if (items == null) {
            buckets.remove(index); // gone: deleted by another consumer or reaped by the server
            return index < buckets.size() || endPass(seen);
        }
        for (String name : Sequences.sorted(items)) {
            String key = layout.key(bucket, name);
            if (QueueLayout.isItem(name) && !skipped.contains(key) && !inFlight.contains(key)
                    && !notDueKeys.contains(key)) {
                names.addLast(name);
            }
        }
        if (!names.isEmpty()) {
            jump |= contended > 0; // consumers that listed together would start at the same head item
            return true;
        }
        if (index == buckets.size() - 1) {
            return endPass(seen);
        }
        if (items.isEmpty()) {
            try {
                // only an empty bucket can be deleted: an item put late keeps us here
                deadline.join(session.ops().delete(layout.bucketPath(bucket), -1));
            } catch (KeeperException.NotEmptyException lateItem) {
                return true;
            } catch (KeeperException.NoNodeException alreadyGone) {
                // deleted by another consumer
            }
            buckets.remove(index);
        } else {
            index++; // all claimed or being taken: revisit at the next pass
        }
        return true;
    }

    private boolean endPass(long seen) {
        armedChanges = seen;
        return false;
    }

    /** Drops the cache so that the next look lists again from the lowest bucket. */
    private void forget() {
        names.clear();
        readAhead.clear();
        notDue.clear();
        notDueKeys.clear();
        nextDueNanos = Long.MAX_VALUE;
        buckets = null;
        index = 0;
        passEnded = false;
    }

    /** The bucket's children, or null if it is gone. */
    private List<String> listBucket(String bucketPath, CompletableFuture<AsyncOps.Children> listed, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            return deadline.join(listed).names();
        } catch (KeeperException.NoNodeException e) {
            return null;
        } catch (KeeperException.ConnectionLossException e) {
            failIfTooLarge(bucketPath, QueueLayout.LISTED_NAME_BYTES, deadline, e);
            throw e;
        }
    }

    private List<Long> listRoot(CompletableFuture<AsyncOps.Children> listed, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            return new ArrayList<>(QueueLayout.buckets(deadline.join(listed).names()));
        } catch (KeeperException.NoNodeException e) {
            if (layout.isLane()) {
                // an empty lane, reaped or not made yet: only producers make lanes; watch for its return
                if (deadline.join(session.ops().exists(layout.items, watch(layout.items))) == null) {
                    return new ArrayList<>();
                }
                return listRoot(session.ops().getChildren(layout.items, watch(layout.items)), deadline);
            }
            layout.create(session, deadline); // the queue node was deleted: make it again, and watch it
            return listRoot(session.ops().getChildren(layout.items, watch(layout.items)), deadline);
        } catch (KeeperException.ConnectionLossException e) {
            failIfTooLarge(layout.items, QueueLayout.LISTED_BUCKET_BYTES, deadline, e);
            throw e;
        }
    }

    /**
     * A listing over the client's packet limit drops the connection: tell that apart from a plain
     * connection loss, which the caller retries.
     */
    private void failIfTooLarge(String parent, int bytesPerName, Deadline deadline, KeeperException lost)
            throws KeeperException, InterruptedException {
        String sample = "x".repeat(bytesPerName - 4);
        try {
            Listings.failIfTooLarge(session, parent, sample, deadline);
            // Listings takes parents of under 1,000 children as small; with a small jute.maxbuffer they
            // are not, and the queue's names have a fixed size, so the child count alone decides
            Stat stat = session.retry(deadline, () -> deadline.join(session.ops().exists(parent, null)));
            if (stat != null && (long) stat.getNumChildren() * bytesPerName > session.maxDataBytes()) {
                throw new IllegalStateException("cannot list " + parent + ": its " + stat.getNumChildren()
                        + " children need about " + (long) stat.getNumChildren() * bytesPerName + " bytes, over the"
                        + " client's packet limit of about " + session.maxDataBytes() + " bytes (jute.maxbuffer);"
                        + " raise jute.maxbuffer on the client or use a smaller bucket capacity");
            }
        } catch (IllegalStateException tooLarge) {
            ZkRecipeException e =
                    new ZkRecipeException("read queue " + layout.root + ": " + tooLarge.getMessage(), lost);
            e.addSuppressed(tooLarge);
            throw e;
        }
    }

    /** Takes the buckets from a fresh listing, keeping the current one in place. */
    private void updateBuckets(long current, List<Long> listed) {
        if (!listed.contains(current)) {
            listed.add(current);
            listed.sort(null);
        }
        buckets = listed;
        index = listed.indexOf(current);
    }

    // ---- claimed items -----------------------------------------------------------------------

    /** {@code c} is claimed by another consumer: pass over it until its claim goes, which the watch tells. */
    private void skip(Candidate c) {
        String claimPath = layout.claimPath(c.key());
        skipped.add(c.key());
        // not awaited: the reply (or the claim's deletion later) comes to the event thread
        session.ops().getData(claimPath, watch(claimPath)).whenComplete((data, failure) -> {
            if (failure != null) {
                onClaimGone(claimPath, c.key()); // gone already, or unknown: try the item again
            }
        });
    }

    private Watcher watch(String path) {
        watched.add(path);
        return watcher;
    }

    /**
     * The next look lists again even if the pass ended: an item handed out of the cache was not
     * taken. Needed once items can be held back: a pass may end while they are, so no listing
     * would follow the failed take of one.
     */
    private void relist() {
        changes.incrementAndGet();
    }

    /** An item handed out and not taken is back: list again, and let a waiting thread see it. */
    private void relistAndWake() {
        relist();
        fireWait();
    }

    private void onClaimGone(String claimPath, String key) {
        watched.remove(claimPath);
        skipped.remove(key);
        changes.incrementAndGet();
        fireWait();
    }
}
