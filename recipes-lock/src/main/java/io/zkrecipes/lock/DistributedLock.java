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
     * This lock as a {@link java.util.concurrent.locks.Lock} whose holds belong to threads (see
     * {@link LockView}); the same view on every call. Sends nothing.
     */
    LockView asLock();

    /** Releases every lease this object holds and stops listening to the client. Idempotent. */
    @Override
    void close();
}
