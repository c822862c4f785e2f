package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.BlockRule;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.WaitingLine;
import java.time.Duration;
import java.util.Optional;

/**
 * A fair lock: contenders queue as ephemeral sequential nodes under {@link #path()} and are
 * granted the lock in sequence order (FIFO).
 *
 * <p>Uncontended acquire: one round trip (the create and the listing are pipelined). A waiter
 * watches only the node just ahead of it, so a release wakes exactly one waiter and the hand-off
 * needs no further request in the common case. Release: one delete. The fencing token is the
 * czxid of the holder's node, which grows along the line.
 *
 * <p>Thread-owned and reentrant by default: a thread that holds the lock and acquires again gets
 * another lease on the same hold, and the lock is released when its last lease is closed. Use
 * {@link LockOptions.Ownership#HANDLE} for leases released by other threads. A single parent can
 * list about 18,000 waiters with the default {@code jute.maxbuffer} (1 MB; node names are about 52
 * bytes); beyond that joining fails with a connection error: raise {@code jute.maxbuffer} on
 * clients and servers, or use more lock paths. Thread-safe; see {@link DistributedLock} for the
 * behaviour on {@code SUSPENDED}, {@code LOST} and close.
 */
public final class SequentialLock implements DistributedLock {
    private final LockHandle handle;
    private final LineGrantor grantor;

    private SequentialLock(LockHandle handle, LineGrantor grantor) {
        this.handle = handle;
        this.grantor = grantor;
    }

    /**
     * A sequential lock at {@code path} with {@linkplain LockOptions#defaults() default options}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid node path or is the root
     * @throws IllegalStateException    if {@code client} is closed
     */
    public static SequentialLock create(ZkClient client, String path) {
        return create(client, path, LockOptions.defaults());
    }

    /** A sequential lock at {@code path}; throws as {@link #create(ZkClient, String)}. */
    public static SequentialLock create(ZkClient client, String path, LockOptions options) {
        LockHandle.checkArgs(client, path, options);
        LineGrantor grantor = new LineGrantor(Session.of(client), new WaitingLine(Session.of(client), path, BlockRule.exclusive()), "lock-");
        return new SequentialLock(new LockHandle(client, path, grantor, options, LockOptions.Ownership.THREAD),
                grantor);
    }

    @Override
    public String path() {
        return handle.path();
    }

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

    /** Watch notifications this lock's waiters received: one per hand-off they waited on. */
    long wakeups() {
        return grantor.wakeups();
    }

    @Override
    public String toString() {
        return "SequentialLock[" + path() + "]";
    }
}
