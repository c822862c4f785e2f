package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.BlockRule;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.Wait;
import io.zkrecipes.core.internal.WaitingLine;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;

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
 * free lease. When the outcome of a take stays unknown (a lost reply, the deadline, an interrupt),
 * the client's cleanup path deletes the lease node if the take made it, so no permit leaks.
 *
 * <p>Costs: an uncontended acquire is three round trips (join, list, multi); a hand-off is a list
 * and a multi. The fencing token of a lease is the czxid of its queue node, which increases in grant
 * order. Every process must use the same {@code permits} for a path.
 *
 * <p>Leases are handle-owned by default: any thread may close them, and a thread may hold several.
 * Thread-safe; see {@link DistributedLock} for the behaviour on {@code SUSPENDED}, {@code LOST}
 * and close.
 */
public final class CountingSemaphore extends AbstractLock {
    private final WaitingLine queue;
    private final String leases;
    private final int permits;

    private CountingSemaphore(ZkClient client, String path, int permits, LockOptions options) {
        super(client, path, options, LockOptions.Ownership.HANDLE, "semaphore");
        this.permits = Require.atLeast(permits, 1, "permits");
        this.queue = new WaitingLine(session, ZkPaths.join(path, "queue"), BlockRule.exclusive());
        this.leases = ZkPaths.join(path, "leases");
    }

    /**
     * A semaphore at {@code path} with {@code permits} leases and
     * {@linkplain LockOptions#defaults() default options}. Sends nothing: the first acquire does.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid node path or is the root, or
     *                                  {@code permits} is less than 1
     * @throws IllegalStateException    if {@code client} is closed
     */
    public static CountingSemaphore create(ZkClient client, String path, int permits) {
        return create(client, path, permits, LockOptions.defaults());
    }

    /**
     * A semaphore at {@code path}; throws as {@link #create(ZkClient, String, int)}, and
     * {@link IllegalArgumentException} if {@code options} has a lock delay (holders share the
     * semaphore, and its head cannot tell a released lease from a vanished one).
     */
    public static CountingSemaphore create(ZkClient client, String path, int permits, LockOptions options) {
        return new CountingSemaphore(client, path, permits, options.requireNoLockDelay("CountingSemaphore"));
    }

    /** The number of leases that may be held at once. */
    public int permits() {
        return permits;
    }

    @Override
    public String toString() {
        return "CountingSemaphore[" + path() + ", permits=" + permits + "]";
    }

    /** Queues, then takes a lease; leaves the queue unless granted (a grant deletes the queue node). */
    @Override
    Lease grant(Deadline deadline, boolean tryOnly) throws KeeperException, InterruptedException {
        Ticket ticket = queue.join("queue-", NO_DATA, deadline); // leaves no node when it fails
        Lease lease = null;
        try {
            boolean head = tryOnly ? queue.tryTurn(ticket) : queue.awaitTurn(ticket, deadline);
            lease = head ? takeLease(ticket, deadline, tryOnly) : null;
            return lease;
        } finally {
            if (lease == null) {
                queue.leave(ticket); // also on interrupt, failure or close: unknown outcomes go to the cleanup path
            }
        }
    }

    @Override
    void giveBack(Lease lease) {
        session.release(lease.nodePath(), lease.sessionId(), 0); // a unique name: no czxid needed
    }

    /** The newest lease node's czxid: a list of the leases, then their stats, pipelined. */
    @Override
    long newestHolderZxid() throws KeeperException, InterruptedException {
        return session.retry(Deadline.none(), () -> {
            List<CompletableFuture<Stat>> stats = new ArrayList<>();
            for (String name : listLeases(null, Deadline.none())) {
                stats.add(session.ops().exists(ZkPaths.join(leases, name), null));
            }
            long newest = 0;
            for (CompletableFuture<Stat> stat : stats) {
                Stat lease = Deadline.none().join(stat); // null: released since the listing
                newest = lease == null ? newest : Math.max(newest, lease.getCzxid());
            }
            return newest;
        });
    }

    /** A lease's token is its queue node's czxid; a revocation request names lease nodes. */
    @Override
    long holdZxid(Lease lease) throws KeeperException, InterruptedException {
        Stat node = session.retry(Deadline.none(),
                () -> Deadline.none().join(session.opsFor(lease.sessionId()).exists(lease.nodePath(), null)));
        return node == null ? 0 : node.getCzxid();
    }

    /** As the head: waits for a free lease and takes it; {@code null} at the deadline. */
    private Lease takeLease(Ticket ticket, Deadline deadline, boolean tryOnly)
            throws KeeperException, InterruptedException {
        try (Wait wait = session.newWait()) {
            while (true) {
                requireSession(ticket.sessionId(), ticket.path());
                // the leases are watched only by the head: one release wakes one process
                NodeWatch watch = tryOnly ? null : new NodeWatch(wait);
                if (listLeases(watch, deadline).size() < permits) {
                    Lease lease = take(ticket, deadline);
                    if (lease != null) {
                        return lease;
                    }
                } else if (tryOnly) {
                    return null;
                } else if (!awaitEvent(watch, ticket.sessionId(), ticket.path(), deadline)) {
                    forgetWatch(leases, watch, Watcher.WatcherType.Children);
                    return null;
                }
            }
        }
    }

    private List<String> listLeases(Watcher watch, Deadline deadline) throws KeeperException, InterruptedException {
        try {
            return session.retry(deadline, () -> deadline.join(session.ops().getChildren(leases, watch))).names();
        } catch (KeeperException.NoNodeException none) {
            return List.of(); // made by the first take
        }
    }

    /**
     * Creates a lease and deletes our queue node in one multi, on the queue node's session: the
     * delete fails if the queue node is gone, so a stale head can never add a lease. {@code null}
     * means "look again".
     */
    private Lease take(Ticket ticket, Deadline deadline) throws KeeperException, InterruptedException {
        String lease = ZkPaths.join(leases, "lease-" + UUID.randomUUID());
        long owner = ticket.sessionId();
        AsyncOps ops = session.opsFor(owner);
        List<Op> take = List.of(ops.createOp(lease, NO_DATA, CreateMode.EPHEMERAL), Op.delete(ticket.path(), -1));
        try {
            deadline.join(ops.multi(take));
        } catch (KeeperException e) {
            if (isConnectionFailure(e)) {
                return afterUnknownTake(ops, ticket, lease, deadline);
            }
            if (e.code() == KeeperException.Code.NONODE && lease.equals(e.getPath())) {
                // the first lease ever, or the container was reaped: make it and look again
                session.retry(deadline, () -> deadline.join(session.ops().ensureContainers(leases)));
                return null;
            }
            if (e.code() == KeeperException.Code.NONODE) {
                throw KeeperException.create(KeeperException.Code.SESSIONEXPIRED, ticket.path()); // our queue node is gone
            }
            throw e; // refused: nothing was applied
        } catch (InterruptedException e) {
            session.deleteOwned(lease, owner); // the take may be applied: no permit may leak
            throw e;
        }
        return granted(ticket, lease);
    }

    /** After a lost reply: the take was applied iff our queue node is gone while our session lives. */
    private Lease afterUnknownTake(AsyncOps ops, Ticket ticket, String lease, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            boolean queued = session.retry(deadline, () -> deadline.join(ops.exists(ticket.path(), null))) != null;
            return queued ? null : granted(ticket, lease);
        } catch (KeeperException | InterruptedException | RuntimeException e) {
            session.deleteOwned(lease, ticket.sessionId()); // still unknown: no permit may leak
            throw e;
        }
    }

    private Lease granted(Ticket ticket, String lease) {
        // the queue node's czxid: grants follow queue order, so tokens increase in grant order
        return newLease(lease, ticket.czxid(), ticket.sessionId(), null);
    }
}
