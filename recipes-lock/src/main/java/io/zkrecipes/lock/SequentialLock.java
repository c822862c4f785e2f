package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.BlockRule;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.WaitingLine;
import org.apache.zookeeper.KeeperException;

/**
 * A fair lock: contenders queue as ephemeral sequential nodes under {@link #path()} and are
 * granted the lock in sequence order (FIFO). Use it whenever more than a few processes contend.
 *
 * <p>Uncontended acquire: one round trip (the create and the listing are pipelined). A waiter
 * watches only the node just ahead of it, so a release wakes exactly one waiter, and the hand-off
 * needs no further request in the common case: the release marks the node released and deletes
 * it in one {@code multi}, which tells the next waiter that everything ahead of it is gone. The
 * fencing token is the czxid of the holder's node, which grows along the line.
 *
 * <p>Thread-owned and reentrant by default: a thread that holds the lock and acquires again gets
 * the same lease back, and the lock is released when the lease has been closed once per acquire.
 * Use {@link LockOptions.Ownership#HANDLE} for leases released by other threads. A single parent can
 * list about 18,000 waiters with the default {@code jute.maxbuffer} (1 MB; node names are about 52
 * bytes); beyond that joining fails with a connection error: raise {@code jute.maxbuffer} on
 * clients and servers, or use more lock paths. Thread-safe; see {@link DistributedLock} for the
 * behaviour on {@code SUSPENDED}, {@code LOST} and close.
 */
public final class SequentialLock extends AbstractLock {
    private final WaitingLine line;
    private final String prefix;

    /**
     * A lock whose members are named with {@code prefix} in the line at {@code path} that
     * {@code rule} orders (the sides of a {@link ReadWriteLock} share one line this way).
     */
    SequentialLock(ZkClient client, String path, LockOptions options, BlockRule rule, String prefix, String kind) {
        super(client, path, options, LockOptions.Ownership.THREAD, kind);
        this.line = new WaitingLine(session, path, rule);
        this.prefix = prefix;
    }

    /**
     * A sequential lock at {@code path} with {@linkplain LockOptions#defaults() default options}.
     * Sends nothing: the first acquire does.
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
        return new SequentialLock(client, path, options, BlockRule.exclusive(), "lock-", "lock");
    }

    @Override
    Lease grant(Deadline deadline, boolean tryOnly) throws KeeperException, InterruptedException {
        Ticket ticket = line.join(prefix, NO_DATA, deadline); // leaves no node when it fails
        boolean granted = false;
        try {
            // a try needs no request: the join's listing already tells
            granted = tryOnly ? line.tryTurn(ticket) : line.awaitTurn(ticket, deadline);
            return granted ? newLease(ticket.path(), ticket.czxid(), ticket.sessionId(), ticket) : null;
        } finally {
            if (!granted) {
                line.leave(ticket); // also on interrupt, failure or close: unknown outcomes go to the cleanup path
            }
        }
    }

    @Override
    void giveBack(Lease lease) {
        line.leave(lease.ticket()); // mark and delete in one multi: the next waiter needs no request
    }
}
