package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.WaitingLine;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
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
    private final ZkClient client;
    private final WaitingLine queue;
    private final String leases;
    private final int permits;
    private final Signal signal = new Signal();

    SemaphoreGrantor(ZkClient client, WaitingLine queue, String leases, int permits) {
        this.client = client;
        this.queue = queue;
        this.leases = leases;
        this.permits = permits;
    }

    @Override
    public Claim acquire(long deadlineNanos, boolean tryOnly) throws InterruptedException {
        // a session expiry takes our node with it: join again on the new session
        return Lines.rejoiningOnExpiry(client, this::once, deadlineNanos, tryOnly, "acquire a lease of " + leases);
    }

    /** Queues, then takes a lease; leaves the queue unless granted (a grant deletes the queue node). */
    private Claim once(long deadlineNanos, boolean tryOnly) throws KeeperException, InterruptedException {
        Ticket ticket = queue.join("queue-", Lines.NO_DATA);
        try {
            Claim claim = headThenLease(ticket, deadlineNanos, tryOnly);
            if (claim == null) {
                queue.leave(ticket);
            }
            return claim;
        } catch (KeeperException | InterruptedException | RuntimeException e) {
            Lines.leaveAfter(queue, ticket, e);
            throw e;
        }
    }

    /** Waits to be the head, then for a free lease; {@code null} at the deadline. */
    private Claim headThenLease(Ticket ticket, long deadlineNanos, boolean tryOnly)
            throws KeeperException, InterruptedException {
        boolean head = tryOnly ? queue.tryTurn(ticket) : queue.awaitTurn(ticket, deadlineNanos);
        if (!head) {
            return null;
        }
        while (true) {
            long seen = signal.version();
            requireSession(ticket);
            // the leases are watched only by the head: one release wakes one process
            OneShotWatch watch = new OneShotWatch(signal, client);
            List<String> held = listLeases(tryOnly ? null : watch);
            if (held.size() < permits) {
                Claim claim = take(ticket);
                if (claim != null) {
                    return claim;
                }
            } else if (tryOnly || !watch.await(client, seen, deadlineNanos)) {
                if (!tryOnly) {
                    Session.of(client).ops().removeWatches(leases, watch, Watcher.WatcherType.Children);
                }
                return null;
            }
        }
    }

    private List<String> listLeases(Watcher watch) throws KeeperException, InterruptedException {
        try {
            return client.retry(() -> AsyncOps.join(Session.of(client).ops().getChildren(leases, watch))).names();
        } catch (KeeperException.NoNodeException none) {
            return List.of(); // created by the first take
        }
    }

    /**
     * Creates a lease and deletes our queue node in one multi: the delete fails if the queue node is
     * gone, so a stale head can never add a lease. {@code null} means "look again".
     */
    private Claim take(Ticket ticket) throws KeeperException, InterruptedException {
        String lease = ZkPaths.join(leases, "lease-" + UUID.randomUUID());
        List<Op> ops = List.of(Session.of(client).ops().createOp(lease, Lines.NO_DATA, CreateMode.EPHEMERAL),
                Op.delete(ticket.path(), -1));
        try {
            AsyncOps.join(Session.of(client).ops().multi(ops));
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code())) {
                return taken(ticket, lease) ? claim(ticket, lease) : null;
            }
            if (e.code() == KeeperException.Code.NONODE && lease.equals(e.getPath())) {
                AsyncOps.join(Session.of(client).ops().ensureContainers(leases)); // first lease ever, or the container was reaped
                return null;
            }
            if (e.code() == KeeperException.Code.NONODE) {
                throw KeeperException.create(KeeperException.Code.SESSIONEXPIRED, ticket.path());
            }
            throw e;
        }
        return claim(ticket, lease);
    }

    /** After a lost multi reply: it was applied iff our queue node is gone while our session lives. */
    private boolean taken(Ticket ticket, String lease) throws KeeperException, InterruptedException {
        boolean queued = client.retry(() -> AsyncOps.join(Session.of(client).ops().exists(ticket.path(), null))) != null;
        requireSession(ticket);
        return !queued;
    }

    private Claim claim(Ticket ticket, String lease) {
        // the queue node's czxid: grants follow queue order, so tokens increase in grant order
        long session = ticket.sessionId();
        return new Claim(lease, ticket.czxid(), session, () -> NodeDeleter.delete(client, lease, session, false));
    }

    private void requireSession(Ticket ticket) throws KeeperException {
        if (client.sessionId() != ticket.sessionId()) {
            throw KeeperException.create(KeeperException.Code.SESSIONEXPIRED, ticket.path());
        }
    }

    @Override
    public void wake() {
        signal.fire();
    }
}
