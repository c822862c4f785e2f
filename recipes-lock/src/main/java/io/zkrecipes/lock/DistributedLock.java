package io.zkrecipes.lock;

import java.time.Duration;
import java.util.Optional;

/**
 * A lock (or a semaphore permit) held across processes through ZooKeeper. Each grant is a
 * {@link Lease}: close it to release, ask it for a {@linkplain Lease#fencingToken() fencing token},
 * and listen for its loss.
 *
 * <pre>{@code
 * try (Lease lease = lock.acquire()) {
 *     store.write(record, lease.fencingToken());
 * }
 * }</pre>
 *
 * <p>Implementations are thread-safe. Making one sends nothing; the first acquire registers its
 * connection listener. While waiting, a connection loss alone ({@code SUSPENDED}) does not end
 * the wait; the end of the session ({@code LOST}: expired, or disconnected for longer than the
 * session timeout) makes the waiter take a new place in line within its deadline. A granted lease
 * turns invalid when its session is lost, and on {@code SUSPENDED} unless
 * {@link LockOptions#keepLeasesWhileSuspended(boolean)} says otherwise.
 *
 * <p>A timeout is a deadline: {@link #acquire(Duration)} returns within its timeout (plus a
 * request's worth) whatever the network does, and says "not now" (empty) also when ZooKeeper could
 * not be reached before it. Untimed calls give up with {@link io.zkrecipes.core.ZkRecipeException}
 * once ZooKeeper stays unreachable past the client's retry deadline.
 *
 * <p>Closing the client ends every blocked acquire with {@link IllegalStateException} at once,
 * leaving no node behind. {@link #close()} releases every lease this object still holds and
 * removes its connection listener; any later call throws {@link IllegalStateException}. Acquires
 * already in progress are not cut short: they release what they get and throw
 * {@link IllegalStateException}.
 */
public interface DistributedLock extends AutoCloseable {

    /** The lock's node path (relative to the client's namespace). */
    String path();

    /**
     * Blocks until the lock is granted.
     *
     * @throws InterruptedException if interrupted while waiting; nothing is left behind
     * @throws io.zkrecipes.core.ZkRecipeException if ZooKeeper stays unreachable past the client's
     *         retry deadline or refuses a request
     * @throws IllegalStateException if this lock or its client is closed (also while waiting), or
     *         (reentrant locks) the calling thread's earlier lease was lost and not yet closed
     */
    Lease acquire() throws InterruptedException;

    /**
     * Blocks at most {@code timeout} for the lock.
     *
     * @return the lease, or empty at the timeout, also when ZooKeeper could not be reached before it
     *         (nothing is left behind)
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException if interrupted while waiting; nothing is left behind
     * @throws io.zkrecipes.core.ZkRecipeException if ZooKeeper refuses a request
     * @throws IllegalStateException as {@link #acquire()}
     */
    Optional<Lease> acquire(Duration timeout) throws InterruptedException;

    /**
     * Takes the lock only if it is free now: does not wait for other holders, but does wait for the
     * round trips that find out (one or two).
     *
     * @return the lease, or empty if the lock is not free (nothing is left behind)
     * @throws InterruptedException if interrupted during those round trips
     * @throws io.zkrecipes.core.ZkRecipeException as {@link #acquire()}
     * @throws IllegalStateException as {@link #acquire()}
     */
    Optional<Lease> tryAcquire() throws InterruptedException;

    /**
     * Asks whoever holds this lock now to release it: every lease of this moment that listens
     * ({@link Lease#onRevocationRequested}) is told, once, on its lock's callback lane; a later
     * holder is not. Nothing is forced: a holder that ignores the request keeps the lock. Anyone may
     * ask whose client may create nodes beside the lock's node: a waiter on this or another
     * process, an operator's tool, the holder itself. With nobody holding the lock this writes
     * nothing and returns {@code false}.
     *
     * <p>Blocks for two or three round trips: it reads who holds the lock (the lock's nodes) and then
     * creates or writes the request node {@code <path>.revoke}, an ephemeral node of this client's
     * session, so a request lasts while the asking session does. Retried like any request; a retry
     * after a lost reply may be told twice.
     *
     * @return whether a holder was found and asked
     * @throws InterruptedException if interrupted while waiting for a reply (the request may be sent)
     * @throws io.zkrecipes.core.ZkRecipeException if ZooKeeper stays unreachable past the client's
     *         retry deadline or refuses a request (no permission)
     * @throws IllegalStateException if this lock or its client is closed
     */
    boolean requestRevocation() throws InterruptedException;

    /**
     * This lock as a {@link java.util.concurrent.locks.Lock} whose holds belong to threads (see
     * {@link LockView}); the same view on every call. Sends nothing.
     */
    LockView asLock();

    /** Releases every lease this object holds and stops listening to the client. Idempotent. */
    @Override
    void close();
}
