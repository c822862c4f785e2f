package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The consuming side of a queue instance. Threads of one instance consume one at a time (the
 * consumer lock), so one instance keeps one cursor and at most one set of watches, and a put
 * wakes one waiting thread per instance, not every thread.
 */
final class QueueReader {
    private final ReentrantLock lock = new ReentrantLock();
    private final ZkClient client;
    private final QueueLayout layout;
    private final ChangeSignal signal;
    private final Cursor cursor;
    private final Taker taker;

    QueueReader(ZkClient client, QueueLayout layout, Markers markers, ChangeSignal signal) {
        this.client = client;
        this.layout = layout;
        this.signal = signal;
        this.cursor = new Cursor(client, layout, signal);
        this.taker = new Taker(client, layout, markers);
    }

    /** Locks out the instance's other consumers until {@link #unlock}; false at the deadline. */
    boolean lock(long deadlineNanos) throws InterruptedException {
        return lock.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    void unlock() {
        lock.unlock();
    }

    /** Takes the next item, waiting until the deadline; null if none came. Hold the lock. */
    Cursor.Candidate take(long deadlineNanos, Runnable checkOpen) throws InterruptedException {
        Cursor.Candidate earlier = taker.resolve();
        if (earlier != null) {
            return earlier;
        }
        while (true) {
            Cursor.Candidate c = awaitCandidate(deadlineNanos, checkOpen);
            if (c == null) {
                return null;
            }
            Taker.Result result = taker.take(c);
            if (result == Taker.Result.TAKEN) {
                return c;
            }
            if (result == Taker.Result.CLAIMED) {
                cursor.skip(c);
            }
        }
    }

    /** The next candidate, waiting for one until the deadline; null if none came. Hold the lock. */
    Cursor.Candidate awaitCandidate(long deadlineNanos, Runnable checkOpen) throws InterruptedException {
        while (true) {
            checkOpen.run();
            try {
                Cursor.Candidate c = cursor.next();
                if (c != null) {
                    return c;
                }
                if (!awaitChange(deadlineNanos)) {
                    return null;
                }
            } catch (KeeperException e) {
                if (!transientFailure(e.code())) {
                    throw new ZkRecipeException("read queue " + layout.root, e);
                }
                // waiting calls keep waiting through a disconnection
                cursor.reset();
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0 || !client.awaitConnected(Duration.ofNanos(Math.min(left, 1_000_000_000L)))
                        && System.nanoTime() >= deadlineNanos) {
                    return null;
                }
            }
        }
    }

    /** The first item without taking it, or null; never waits for an item. Hold the lock. */
    Cursor.Candidate peek(Runnable checkOpen) throws InterruptedException {
        Cursor.Candidate c = awaitCandidate(System.nanoTime(), checkOpen);
        if (c != null) {
            cursor.putBack(c);
        }
        return c;
    }

    /** An item found claimed by someone else: pass over it for now. */
    void skip(Cursor.Candidate c) {
        cursor.skip(c);
    }

    /** Starts the next look at the head of the current bucket (an item failed and is back). */
    void rewind() {
        lock.lock();
        try {
            cursor.rewind();
        } finally {
            lock.unlock();
        }
    }

    /** Claims the next available item, waiting until the deadline; null if none came. */
    Claims.Claim claim(long deadline, Claims claims, Runnable checkOpen) throws InterruptedException {
        if (!lock(deadline)) {
            return null;
        }
        try {
            while (true) {
                Cursor.Candidate c = awaitCandidate(deadline, checkOpen);
                if (c == null) {
                    return null;
                }
                Claims.Claim claim = claims.claim(c);
                if (claim != null) {
                    return claim;
                }
                cursor.skip(c);
            }
        } catch (KeeperException e) {
            throw new ZkRecipeException("claim an item of queue " + layout.root, e);
        } finally {
            unlock();
        }
    }

    /** Items in all buckets: one listing, then every bucket's size in one pipelined round trip. */
    long countItems() throws KeeperException, InterruptedException {
        List<Long> buckets = QueueLayout.buckets(AsyncOps.join(Session.of(client).ops().getChildren(layout.root, null)).names());
        List<CompletableFuture<Stat>> stats = new ArrayList<>();
        for (long b : buckets) {
            // pipelined: every bucket's size in one round trip
            stats.add(Session.of(client).ops().exists(layout.bucketPath(b), null));
        }
        long total = 0;
        for (CompletableFuture<Stat> f : stats) {
            Stat stat = AsyncOps.join(f);
            total += stat == null ? 0 : stat.getNumChildren();
        }
        return total;
    }

    private boolean awaitChange(long deadlineNanos) throws InterruptedException {
        long seen = cursor.lastPassGeneration();
        String claim = cursor.takeClaimToWatch();
        if (claim != null) {
            try {
                // a claimed item comes back when its claim goes: watch that one claim
                AsyncOps.join(Session.of(client).ops().getData(claim, signal.track(claim)));
            } catch (KeeperException e) {
                cursor.invalidate();
                return true; // gone already (or cannot tell): look again now
            }
        }
        return signal.awaitChange(seen, deadlineNanos);
    }

    static boolean transientFailure(Code code) {
        return ZkClient.isRetryable(code) || code == Code.SESSIONEXPIRED;
    }
}
