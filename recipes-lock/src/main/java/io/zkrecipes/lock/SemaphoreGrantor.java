package io.zkrecipes.lock;

import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.Wait;
import io.zkrecipes.core.internal.WaitingLine;
import java.util.List;
import java.util.UUID;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;

/**
 * Grants semaphore leases to the head of a fair queue. See {@link CountingSemaphore} for the design.
 */
final class SemaphoreGrantor implements Grantor {
    private final Session session;
    private final WaitingLine queue;
    private final String leases;
    private final int permits;

    SemaphoreGrantor(Session session, WaitingLine queue, String leases, int permits) {
        this.session = session;
        this.queue = queue;
        this.leases = leases;
        this.permits = permits;
    }

    @Override
    public Claim acquire(Deadline deadline, boolean tryOnly) throws InterruptedException {
        // a session expiry takes our node with it: join again on the new session
        return Lines.rejoiningOnExpiry(session, this::once, deadline, tryOnly, "acquire a lease of " + leases);
    }

    /** Queues, then takes a lease; leaves the queue unless granted (a grant deletes the queue node). */
    private Claim once(Deadline deadline, boolean tryOnly) throws KeeperException, InterruptedException {
        Ticket ticket = queue.join("queue-", Lines.NO_DATA, deadline);
        Claim claim = null;
        try {
            claim = headThenLease(ticket, deadline, tryOnly);
            return claim;
        } finally {
            if (claim == null) {
                queue.leave(ticket);
            }
        }
    }

    /** Waits to be the head, then for a free lease; {@code null} at the deadline. */
    private Claim headThenLease(Ticket ticket, Deadline deadline, boolean tryOnly)
            throws KeeperException, InterruptedException {
        boolean head = tryOnly ? queue.tryTurn(ticket) : queue.awaitTurn(ticket, deadline);
        if (!head) {
            return null;
        }
        try (Wait wait = session.newWait()) {
            while (true) {
                requireSession(ticket);
                // the leases are watched only by the head: one release wakes one process
                List<String> held = listLeases(tryOnly ? null : wait, deadline);
                if (held.size() < permits) {
                    Claim claim = take(ticket, deadline);
                    if (claim != null) {
                        return claim;
                    }
                } else if (tryOnly || !wait.await(deadline)) {
                    if (!tryOnly) {
                        session.ops().removeWatches(leases, wait, Watcher.WatcherType.Children);
                    }
                    return null;
                }
            }
        }
    }

    private List<String> listLeases(Watcher watch, Deadline deadline) throws KeeperException, InterruptedException {
        try {
            return session.retry(deadline, () -> deadline.join(session.ops().getChildren(leases, watch))).names();
        } catch (KeeperException.NoNodeException none) {
            return List.of(); // created by the first take
        }
    }

    /**
     * Creates a lease and deletes our queue node in one multi: the delete fails if the queue node is
     * gone, so a stale head can never add a lease. {@code null} means "look again". Whenever the
     * outcome stays unknown (lost reply, deadline, interrupt), the cleanup path deletes the lease if
     * it was made, so no permit leaks.
     */
    private Claim take(Ticket ticket, Deadline deadline) throws KeeperException, InterruptedException {
        String lease = ZkPaths.join(leases, "lease-" + UUID.randomUUID());
        AsyncOps ops = session.opsFor(ticket.sessionId());
        List<Op> take = List.of(ops.createOp(lease, Lines.NO_DATA, CreateMode.EPHEMERAL), Op.delete(ticket.path(), -1));
        boolean settled = false;
        try {
            Claim claim = applied(ops, take, ticket, lease, deadline) ? claim(ticket, lease) : null;
            settled = true;
            return claim;
        } finally {
            if (!settled) {
                session.deleteOwned(lease, ticket.sessionId());
            }
        }
    }

    private boolean applied(AsyncOps ops, List<Op> take, Ticket ticket, String lease, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            deadline.join(ops.multi(take));
            return true;
        } catch (KeeperException e) {
            if (e.code() == KeeperException.Code.CONNECTIONLOSS || e.code() == KeeperException.Code.OPERATIONTIMEOUT) {
                return taken(ticket, deadline);
            }
            if (e.code() == KeeperException.Code.NONODE && lease.equals(e.getPath())) {
                deadline.join(session.ops().ensureContainers(leases)); // first lease ever, or the container was reaped
                return false;
            }
            if (e.code() == KeeperException.Code.NONODE) {
                throw KeeperException.create(KeeperException.Code.SESSIONEXPIRED, ticket.path());
            }
            throw e;
        }
    }

    /** After a lost multi reply: it was applied iff our queue node is gone while our session lives. */
    private boolean taken(Ticket ticket, Deadline deadline) throws KeeperException, InterruptedException {
        boolean queued = session.retry(deadline, () -> deadline.join(session.ops().exists(ticket.path(), null))) != null;
        requireSession(ticket);
        return !queued;
    }

    private Claim claim(Ticket ticket, String lease) {
        // the queue node's czxid: grants follow queue order, so tokens increase in grant order
        long owner = ticket.sessionId();
        return new Claim(lease, ticket.czxid(), owner, () -> session.release(lease, owner, 0));
    }

    private void requireSession(Ticket ticket) throws KeeperException {
        session.requireOpen();
        if (session.sessionId() != ticket.sessionId()) {
            throw KeeperException.create(KeeperException.Code.SESSIONEXPIRED, ticket.path());
        }
    }
}
