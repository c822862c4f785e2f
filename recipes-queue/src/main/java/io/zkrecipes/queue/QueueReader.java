package io.zkrecipes.queue;

import io.zkrecipes.core.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;

/**
 * The consuming side of a queue instance. Threads of one instance consume one at a time (the
 * consumer lock), so one instance keeps one cursor and at most one set of watches, and a put
 * wakes one waiting thread per instance, not every thread.
 *
 * <p>A take is one multi: create and delete the item's claim node (fails if a processing
 * consumer holds a claim on it), delete the item at the version read, and write the item's key
 * into this thread's marker. Whoever's multi succeeds owns the item. After a lost reply the
 * marker tells exactly whether the take was applied (it is persistent, so this holds across a
 * session expiry too); an unresolved take is kept and resolved by the next call.
 */
final class QueueReader {
    /** What happened to one attempt at a candidate. */
    enum Take { TAKEN, GONE, CLAIMED }

    private record Unresolved(Cursor.Candidate item, String marker) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final ZkClient client;
    private final QueueLayout layout;
    private final Markers markers;
    private final ChangeSignal signal;
    private final Cursor cursor;
    private Unresolved unresolved; // guarded by lock

    QueueReader(ZkClient client, QueueLayout layout, Markers markers, ChangeSignal signal) {
        this.client = client;
        this.layout = layout;
        this.markers = markers;
        this.signal = signal;
        this.cursor = new Cursor(client, layout, signal);
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
        if (unresolved != null) {
            Cursor.Candidate earlier = resolve();
            if (earlier != null) {
                return earlier;
            }
        }
        while (true) {
            Cursor.Candidate c = awaitCandidate(deadlineNanos, checkOpen);
            if (c == null) {
                return null;
            }
            Take result = takeOne(c);
            if (result == Take.TAKEN) {
                return c;
            }
            if (result == Take.CLAIMED) {
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

    private boolean awaitChange(long deadlineNanos) throws InterruptedException {
        long seen = cursor.lastPassGeneration();
        String claim = cursor.takeClaimToWatch();
        if (claim != null) {
            try {
                // a claimed item comes back when its claim goes: watch that one claim
                AsyncOps.join(client.async().getData(claim, signal.track(claim)));
            } catch (KeeperException e) {
                cursor.invalidate();
                return true; // gone already (or cannot tell): look again now
            }
        }
        return signal.awaitChange(seen, deadlineNanos);
    }

    private Take takeOne(Cursor.Candidate c) throws InterruptedException {
        String marker = markers.acquire();
        boolean[] unknown = {false};
        try {
            Take result = client.retry(() -> {
                if (unknown[0] && markers.holds(marker, c.key())) {
                    return Take.TAKEN;
                }
                return attempt(c, marker, unknown);
            });
            markers.release(marker);
            return result;
        } catch (KeeperException e) {
            return giveUp(c, marker, unknown[0], e);
        } catch (InterruptedException e) {
            keepUnresolved(c, marker, unknown[0]);
            throw e;
        }
    }

    private Take giveUp(Cursor.Candidate c, String marker, boolean unknown, KeeperException e) {
        keepUnresolved(c, marker, unknown);
        throw new ZkRecipeException("take " + c.path() + " from queue " + layout.root, e);
    }

    private void keepUnresolved(Cursor.Candidate c, String marker, boolean unknown) {
        if (unknown) {
            unresolved = new Unresolved(c, marker); // the marker stays held until the outcome is known
        } else {
            markers.release(marker);
        }
    }

    /** The item of an earlier take whose outcome was unknown, if it was applied; else null. */
    private Cursor.Candidate resolve() throws InterruptedException {
        Unresolved u = unresolved;
        try {
            boolean taken = client.retry(() -> markers.holds(u.marker(), u.item().key()));
            unresolved = null;
            markers.release(u.marker());
            return taken ? u.item() : null;
        } catch (KeeperException e) {
            throw new ZkRecipeException("resolve the take of " + u.item().path(), e);
        }
    }

    private Take attempt(Cursor.Candidate c, String marker, boolean[] unknown)
            throws KeeperException, InterruptedException {
        String claim = layout.claimPath(c.key());
        List<Op> ops = List.of(client.async().createOp(claim, new byte[0], CreateMode.EPHEMERAL),
                Op.delete(claim, -1), Op.delete(c.path(), c.version()), Markers.write(marker, c.key()));
        try {
            AsyncOps.join(client.async().multi(ops));
            return Take.TAKEN;
        } catch (KeeperException e) {
            if (transientFailure(e.code())) {
                unknown[0] = true;
                // the retry loop waits for a connection (a new session after expiry) before the next attempt
                throw e.code() == Code.SESSIONEXPIRED ? KeeperException.create(Code.CONNECTIONLOSS, c.path()) : e;
            }
            if (e.code() == Code.NODEEXISTS) {
                return Take.CLAIMED;
            }
            if (e.code() == Code.BADVERSION || (e.code() == Code.NONODE && c.path().equals(e.getPath()))) {
                return Take.GONE;
            }
            if (e.code() != Code.NONODE) {
                throw e;
            }
            if (marker.equals(e.getPath())) {
                markers.create(marker);
            } else {
                Markers.createDirectories(client, layout);
            }
            return attempt(c, marker, unknown);
        }
    }

    private static boolean transientFailure(Code code) {
        return ZkClient.isRetryable(code) || code == Code.SESSIONEXPIRED;
    }
}
