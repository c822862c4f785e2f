package io.zkrecipes.lock;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.EventBus;
import io.zkrecipes.core.internal.Ticket;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hold of a {@link DistributedLock}: the holder's node, its fencing token, the session that
 * owns it, and whether it still stands. Released by {@link #close()}.
 *
 * <p>{@link #isValid()} is {@code false} as soon as the hold may be gone: after release; once the
 * session that created the holder's node is no longer live (the client takes a session as gone
 * when it expires, and when it has been disconnected for longer than the session timeout, before
 * any server can confirm it); while the client is disconnected, unless the lock keeps leases while
 * suspended; and once the lease was {@linkplain #onLost reported lost}, after which it is never
 * valid again, even when the connection comes back.
 *
 * <p>A thread-owned (reentrant) hold is one lease: acquiring again on the owning thread returns
 * the same lease, and each {@link #close()} gives back one acquire; the last one releases the lock.
 * Thread-safe.
 */
public final class Lease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Lease.class);

    private enum State { HELD, LOST, RELEASED }

    private final AbstractLock lock;
    private final String nodePath;
    private final long token;
    private final long sessionId;
    private final Ticket ticket;
    private final Thread owner;
    private final long grantedAt = System.nanoTime();
    private final AtomicReference<State> state = new AtomicReference<>(State.HELD);
    private final List<Runnable> callbacks = new ArrayList<>(); // guarded by itself
    private final List<Runnable> revocationCallbacks = new ArrayList<>(); // guarded by callbacks
    private RevocationWatch revocation; // guarded by callbacks; made by the first revocation callback
    /** Acquires not yet closed; only the owner thread changes it (always 1 when handle-owned). */
    private int holds = 1;

    Lease(AbstractLock lock, String nodePath, long token, long sessionId, Ticket ticket, Thread owner) {
        this.lock = lock;
        this.nodePath = nodePath;
        this.token = token;
        this.sessionId = sessionId;
        this.ticket = ticket;
        this.owner = owner;
    }

    /**
     * A number that strictly increases from one holder of the lock to the next: the zxid that
     * created the holder's node. Hand it to the protected resource so that it can reject a stale
     * holder's writes. (Concurrent holders of a read lock or a semaphore have distinct tokens.)
     */
    public long fencingToken() {
        return token;
    }

    /** Whether the lock is still held through this lease (see the class comment). Never blocks. */
    public boolean isValid() {
        return state.get() == State.HELD && lock.stillHolds(sessionId);
    }

    /** The lock's path. */
    public String lockPath() {
        return lock.path();
    }

    /** The holder's node, whose existence is what holding the lock means. */
    public String nodePath() {
        return nodePath;
    }

    /**
     * Runs {@code callback} once when the hold is lost: the client goes {@code SUSPENDED} (unless
     * the lock keeps leases while suspended), the session is lost (expired, or disconnected for
     * longer than the session timeout), the client closes, or the holder's node is found gone. It
     * runs on the lock's own callback lane, in order with the lock's other callbacks and off the
     * client's threads, so a slow callback delays no hand-off; at once (on that lane) if the loss
     * happened already. It is not run after a release.
     *
     * @throws NullPointerException if {@code callback} is null
     */
    public void onLost(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        synchronized (callbacks) {
            if (state.get() == State.HELD) {
                callbacks.add(callback);
                return;
            }
        }
        if (state.get() == State.LOST) {
            lock.runCallback(callback);
        }
    }

    /**
     * Runs {@code callback} for each request to release this hold, made by anyone with
     * {@link DistributedLock#requestRevocation()} (another contender, an operator, this process)
     * while the lease is held. Nothing is forced: the holder decides whether and when to close the
     * lease; one that ignores requests keeps the lock. The callback runs on the lock's callback lane,
     * as {@link #onLost} callbacks do, so a thread-owned lease cannot be closed from it (signal the
     * owning thread instead); a handle-owned one can. It runs once per request seen, also for a
     * request made before this call while the lease was held; requests made in quick succession may
     * be seen as one, and none is told after the lease was released or lost.
     *
     * <p>Costs: nothing for leases without such a callback. The first one registered makes the lease
     * watch the lock's request node, which costs a read now and after each request (on the client's
     * workers; this call does not wait), and the watch's removal when the lease ends.
     *
     * @throws NullPointerException if {@code callback} is null
     */
    public void onRevocationRequested(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        RevocationWatch start;
        synchronized (callbacks) {
            if (state.get() != State.HELD) {
                return; // no request can be for it any more
            }
            revocationCallbacks.add(callback);
            if (revocation != null) {
                return;
            }
            start = revocation = new RevocationWatch(lock, this);
        }
        start.start();
    }

    /**
     * Applies {@code ops} in one {@code multi} that also checks that the holder's node still exists,
     * sent on the holder's own session: a stale holder's write fails as a whole. Blocks for one round
     * trip; not retried (after a connection loss the outcome is unknown and it throws).
     *
     * @return the results of {@code ops}, in order
     * @throws NullPointerException     if {@code ops} or one of them is null
     * @throws IllegalArgumentException if {@code ops} is empty
     * @throws LeaseLostException       if the lease is not valid or its node or session is gone;
     *                                  the lease is then reported lost and nothing was written
     * @throws ZkRecipeException        if one of {@code ops} fails (the code and path say which) or
     *                                  the connection is lost (outcome unknown)
     * @throws InterruptedException     if interrupted while waiting for the reply (outcome unknown)
     */
    public List<OpResult> guardedWrite(List<Op> ops) throws InterruptedException {
        Objects.requireNonNull(ops, "ops");
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("ops must not be empty");
        }
        List<Op> all = new ArrayList<>(ops.size() + 1);
        all.add(Op.check(nodePath, -1));
        ops.forEach(op -> all.add(Objects.requireNonNull(op, "ops must not contain null")));
        if (!isValid()) {
            throw new LeaseLostException("lease of lock " + lockPath() + " is not valid", null);
        }
        try {
            List<OpResult> results = AsyncOps.join(lock.session.opsFor(sessionId).multi(all));
            return List.copyOf(results.subList(1, results.size()));
        } catch (KeeperException e) {
            if (e.code() == KeeperException.Code.SESSIONEXPIRED
                    || (e.code() == KeeperException.Code.NONODE && nodePath.equals(e.getPath()))) {
                markLost("holder node gone at a guarded write");
                throw new LeaseLostException("lease of lock " + lockPath() + " was lost: " + e.code(), e);
            }
            throw new ZkRecipeException("guarded write under lock " + lockPath(), e);
        }
    }

    /**
     * Gives back one acquire of this lease; the last one (for a handle-owned lease, the first)
     * releases the lock. A release sends the delete of the holder's node on the holder's session
     * and does not wait for the reply (whatever this client sends later is ordered after it); when
     * the reply is lost the client's cleanup path finishes the delete. A lost lease is released by
     * its first close. Closing a released lease does nothing.
     *
     * @throws IllegalMonitorStateException if the lock is thread-owned and the calling thread is not
     *                                      the one that acquired this lease
     */
    @Override
    public void close() {
        if (owner != null) {
            if (owner != Thread.currentThread()) {
                if (state.get() == State.RELEASED) {
                    return;
                }
                throw new IllegalMonitorStateException("not the owner of lock " + lockPath());
            }
            if (--holds > 0 && state.get() == State.HELD) {
                return; // a reentrant hold: the outer acquires still hold it
            }
        }
        release();
    }

    @Override
    public String toString() {
        return "Lease[" + nodePath + ", token=" + token + ", " + state.get() + ", valid=" + isValid() + "]";
    }

    // ---- for the lock ------------------------------------------------------------------------

    long sessionId() {
        return sessionId;
    }

    /** The holder's place in its waiting line, or {@code null} for kinds that hold a plain node. */
    Ticket ticket() {
        return ticket;
    }

    Thread owner() {
        return owner;
    }

    boolean isLost() {
        return state.get() == State.LOST;
    }

    /** Called by the owner thread when it acquires again. */
    void reenter() {
        holds++;
    }

    /** Marks the hold lost and hands its callbacks to the lane, once; nothing if released or lost already. */
    void markLost(String why) {
        if (!state.compareAndSet(State.HELD, State.LOST)) {
            return;
        }
        log.warn("Lock {} lost ({}): holder node {}", lockPath(), why, nodePath);
        lock.session.events().lockLost(lockPath(), EventBus.since(grantedAt));
        List<Runnable> toRun;
        synchronized (callbacks) {
            toRun = List.copyOf(callbacks);
            callbacks.clear();
            stopRevocation();
        }
        toRun.forEach(lock::runCallback);
    }

    /** A request addressed to this hold was seen: runs the revocation callbacks on the lane, if still held. */
    void revocationRequested() {
        List<Runnable> toRun;
        synchronized (callbacks) {
            if (state.get() != State.HELD) {
                return;
            }
            toRun = List.copyOf(revocationCallbacks);
        }
        toRun.forEach(lock::runCallback);
    }

    /** Called with {@code callbacks} held. */
    private void stopRevocation() {
        revocationCallbacks.clear();
        if (revocation != null) {
            revocation.stop();
            revocation = null;
        }
    }

    /** Gives the hold back (its node is deleted), once, whatever the count of acquires. */
    void release() {
        State before = state.getAndSet(State.RELEASED);
        if (before == State.RELEASED) {
            return;
        }
        if (before == State.HELD) {
            lock.session.events().lockReleased(lockPath(), EventBus.since(grantedAt));
        }
        synchronized (callbacks) {
            callbacks.clear();
            stopRevocation();
        }
        lock.released(this);
    }
}
