package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.Session;
import java.time.Duration;
import java.util.Optional;

/**
 * The simplest lock: one fixed ephemeral node at {@link #path()}; whoever creates it holds the lock,
 * the others watch it and try again when it goes.
 *
 * <p>Not fair: when the holder releases, every waiter wakes and one of them wins, so prefer
 * {@link SequentialLock} under contention. Uncontended acquire: one create. Waiting: one getData that
 * both sets the watch and reads the holder. Release: one delete, sent on the holder's own session
 * only (the node may belong to someone else once our session is gone). The fencing token is the
 * node's czxid.
 *
 * <p>Thread-owned and reentrant by default (see {@link LockOptions.Ownership}). Thread-safe. See
 * {@link DistributedLock} for the behaviour on {@code SUSPENDED}, {@code LOST} and close.
 */
public final class ExclusiveLock implements DistributedLock {
    private final LockHandle handle;

    private ExclusiveLock(LockHandle handle) {
        this.handle = handle;
    }

    /**
     * An exclusive lock at {@code path} with {@linkplain LockOptions#defaults() default options}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid node path or is the root
     * @throws IllegalStateException    if {@code client} is closed
     */
    public static ExclusiveLock create(ZkClient client, String path) {
        return create(client, path, LockOptions.defaults());
    }

    /** An exclusive lock at {@code path}; throws as {@link #create(ZkClient, String)}. */
    public static ExclusiveLock create(ZkClient client, String path, LockOptions options) {
        LockHandle.checkArgs(client, path, options);
        return new ExclusiveLock(new LockHandle(client, path, new ExclusiveGrantor(Session.of(client), path), options,
                LockOptions.Ownership.THREAD));
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

    @Override
    public String toString() {
        return "ExclusiveLock[" + path() + "]";
    }
}
