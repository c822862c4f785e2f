package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.BlockRule;

/**
 * A fair read/write lock: readers share, a writer excludes everyone. Readers and writers queue in
 * one line under {@link #path()} ({@code read-...} and {@code write-...} nodes); a reader waits only
 * for writers ahead of it, a writer for everyone ahead. A waiting writer therefore blocks every
 * reader that comes after it, so a stream of readers cannot starve writers.
 *
 * <p>Costs are those of {@link SequentialLock}: one round trip to join, one request to release, one
 * waiter woken per release (several readers behind a writer each watch that writer). The fencing
 * token is the czxid of the holder's node; concurrent readers have distinct tokens.
 *
 * <p>Both sides are thread-owned and reentrant by default. A thread that holds the write lock must
 * not wait for the read lock (it would wait for itself), and the other way round. Thread-safe;
 * see {@link DistributedLock} for the behaviour on {@code SUSPENDED}, {@code LOST} and close.
 */
public final class ReadWriteLock implements AutoCloseable {
    private static final String READ = "read-";

    private final String path;
    private final DistributedLock read;
    private final DistributedLock write;

    private ReadWriteLock(ZkClient client, String path, LockOptions options) {
        BlockRule rule = BlockRule.readWrite(READ);
        this.read = new SequentialLock(client, path, options, rule, READ, "read lock");
        this.write = new SequentialLock(client, path, options, rule, "write-", "write lock");
        this.path = path;
    }

    /**
     * A read/write lock at {@code path} with {@linkplain LockOptions#defaults() default options}.
     * Sends nothing: the first acquire does.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid node path or is the root
     * @throws IllegalStateException    if {@code client} is closed
     */
    public static ReadWriteLock create(ZkClient client, String path) {
        return create(client, path, LockOptions.defaults());
    }

    /**
     * A read/write lock at {@code path}; throws as {@link #create(ZkClient, String)}, and
     * {@link IllegalArgumentException} if {@code options} has a lock delay: readers share, so a reader
     * that joins while another waits out a delay would be granted at once.
     */
    public static ReadWriteLock create(ZkClient client, String path, LockOptions options) {
        return new ReadWriteLock(client, path, options.requireNoLockDelay("ReadWriteLock"));
    }

    /** The lock's node path. */
    public String path() {
        return path;
    }

    /** The shared side: held by any number of readers while no writer holds the lock. */
    public DistributedLock readLock() {
        return read;
    }

    /** The exclusive side: held by one writer while nobody else holds the lock. */
    public DistributedLock writeLock() {
        return write;
    }

    /** Closes both sides (releasing what they hold). Idempotent. */
    @Override
    public void close() {
        read.close();
        write.close();
    }

    @Override
    public String toString() {
        return "ReadWriteLock[" + path + "]";
    }
}
