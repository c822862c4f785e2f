package io.zkrecipes.lock;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;

/**
 * One grant of a {@link DistributedLock}, released by {@link #close()} (idempotent).
 *
 * <p>{@link #isValid()} is {@code false} as soon as the hold may be gone: after release, when the
 * client's session is no longer the live one that created the holder's node (the client takes a
 * session as gone once it has been disconnected for longer than the session timeout), when the client is
 * disconnected (unless the lock keeps leases while suspended), and once the lease was
 * {@linkplain #onLost reported lost} — after which it is never valid again, even when the
 * connection comes back. Thread-safe.
 */
public final class Lease implements AutoCloseable {
    private final LockHandle lock;
    private final Grant grant;
    private final Thread owner;
    private final AtomicBoolean closed = new AtomicBoolean();

    Lease(LockHandle lock, Grant grant, Thread owner) {
        this.lock = lock;
        this.grant = grant;
        this.owner = owner;
    }

    /**
     * A number that strictly increases from one holder of the lock to the next: the zxid that
     * created the holder's node. Hand it to the protected resource so that it can reject a stale
     * holder's writes. (Concurrent holders of a read lock or a semaphore have distinct tokens.)
     */
    public long fencingToken() {
        return grant.token();
    }

    /** Whether the lock is still held through this lease (see the class comment). Never blocks. */
    public boolean isValid() {
        return !closed.get() && grant.isValid();
    }

    /** The lock's path. */
    public String lockPath() {
        return grant.lockPath();
    }

    /** The holder's node, whose existence is what holding the lock means. */
    public String nodePath() {
        return grant.nodePath();
    }

    /**
     * Runs {@code callback} once when the hold is lost: the client goes {@code SUSPENDED} (unless
     * the lock keeps leases while suspended) or {@code LOST}, or the holder's node is found gone.
     * It runs on the lock's own callback lane, in order with the lock's other callbacks and off the
     * client's threads (so a slow callback delays no hand-off), soon after the loss (at once if the
     * loss happened already), and is not run after a release.
     *
     * @throws NullPointerException if {@code callback} is null
     */
    public void onLost(Runnable callback) {
        grant.onLost(Objects.requireNonNull(callback, "callback"));
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
        all.add(Op.check(grant.nodePath(), -1));
        ops.forEach(op -> all.add(Objects.requireNonNull(op, "ops must not contain null")));
        if (!isValid()) {
            throw new LeaseLostException("lease of lock " + lockPath() + " is not valid", null);
        }
        try {
            List<OpResult> results = AsyncOps.join(Session.of(grant.client()).opsFor(grant.sessionId()).multi(all));
            return List.copyOf(results.subList(1, results.size()));
        } catch (KeeperException e) {
            if (e.code() == KeeperException.Code.SESSIONEXPIRED
                    || (e.code() == KeeperException.Code.NONODE && grant.nodePath().equals(e.getPath()))) {
                grant.markLost("holder node gone at a guarded write");
                throw new LeaseLostException("lease of lock " + lockPath() + " was lost: " + e.code(), e);
            }
            throw new ZkRecipeException("guarded write under lock " + lockPath(), e);
        }
    }

    /**
     * Releases this lease (for a reentrant hold, the last lease of the thread releases the lock).
     * Deletes the holder's node, in the background if the connection is down. Idempotent.
     *
     * @throws IllegalMonitorStateException if the lock is thread-owned and the calling thread is not
     *                                      the one that acquired this lease
     */
    @Override
    public void close() {
        if (owner != null && owner != Thread.currentThread() && !closed.get()) {
            throw new IllegalMonitorStateException("not the owner of lock " + lockPath());
        }
        if (closed.compareAndSet(false, true)) {
            lock.release(this);
        }
    }

    Grant grant() {
        return grant;
    }

    Thread owner() {
        return owner;
    }

    @Override
    public String toString() {
        return "Lease[" + grant.nodePath() + ", token=" + grant.token() + ", valid=" + isValid() + "]";
    }
}
