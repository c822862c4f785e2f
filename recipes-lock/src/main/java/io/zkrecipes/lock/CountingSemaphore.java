package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.BlockRule;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.WaitingLine;
import java.time.Duration;
import java.util.Optional;

/**
 * A fair counting semaphore: at most {@code permits} leases are held at once across all processes.
 *
 * <p>Design. Under {@link #path()} live two children: {@code queue}, a waiting line of
 * {@code queue-...} nodes granted one at a time in sequence order, and {@code leases}, one ephemeral
 * {@code lease-<uuid>} node per lease held. Only the head of the queue may take a lease: it lists the
 * leases (watching their children only while it is the head), and when fewer than {@code permits}
 * are held it takes one with a single {@code multi} that creates its lease node and deletes its own
 * queue node. The delete fails if the queue node is gone (its session expired), so a stale head can
 * never add a lease, and since there is one head at a time the count it read cannot grow before its
 * multi. A release deletes a lease node, which wakes only the head; the next in the queue wakes when
 * the head leaves the queue. (Watching the N-th member ahead instead would miss releases of the
 * members between.) A {@link #tryAcquire()} joins and leaves again unless it is the head and finds a
 * free lease.
 *
 * <p>Costs: an uncontended acquire is three round trips (join, list, multi); a hand-off is a list
 * and a multi. The fencing token of a lease is the czxid of its queue node, which increases in grant
 * order. Every process must use the same {@code permits} for a path.
 *
 * <p>Leases are handle-owned by default: any thread may close them, and a thread may hold several.
 * Thread-safe; see {@link DistributedLock} for the behaviour on {@code SUSPENDED}, {@code LOST}
 * and close.
 */
public final class CountingSemaphore implements DistributedLock {
    private final LockHandle handle;
    private final int permits;

    private CountingSemaphore(LockHandle handle, int permits) {
        this.handle = handle;
        this.permits = permits;
    }

    /**
     * A semaphore at {@code path} with {@code permits} leases and
     * {@linkplain LockOptions#defaults() default options}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid node path or is the root, or
     *                                  {@code permits} is less than 1
     * @throws IllegalStateException    if {@code client} is closed
     */
    public static CountingSemaphore create(ZkClient client, String path, int permits) {
        return create(client, path, permits, LockOptions.defaults());
    }

    /** A semaphore at {@code path}; throws as {@link #create(ZkClient, String, int)}. */
    public static CountingSemaphore create(ZkClient client, String path, int permits, LockOptions options) {
        LockHandle.checkArgs(client, path, options);
        Require.atLeast(permits, 1, "permits");
        WaitingLine queue = new WaitingLine(Session.of(client), ZkPaths.join(path, "queue"), BlockRule.exclusive());
        SemaphoreGrantor grantor = new SemaphoreGrantor(Session.of(client), queue, ZkPaths.join(path, "leases"), permits);
        return new CountingSemaphore(new LockHandle(client, path, grantor, options, LockOptions.Ownership.HANDLE),
                permits);
    }

    /** The number of leases that may be held at once. */
    public int permits() {
        return permits;
    }

    @Override
    public String path() {
        return handle.path();
    }

    /** Blocks until a lease is free; see {@link DistributedLock#acquire()}. */
    @Override
    public Lease acquire() throws InterruptedException {
        return handle.acquire();
    }

    @Override
    public Optional<Lease> acquire(Duration timeout) throws InterruptedException {
        return handle.acquire(timeout);
    }

    @Override
    public Optional<Lease> tryAcquire() throws InterruptedException {
        return handle.tryAcquire();
    }

    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "CountingSemaphore[" + path() + ", permits=" + permits + "]";
    }
}
