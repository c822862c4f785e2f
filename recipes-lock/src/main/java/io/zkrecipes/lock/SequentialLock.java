package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.BlockRule;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.Wait;
import io.zkrecipes.core.internal.WaitingLine;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

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
 *
 * <p><b>Lock delay</b> ({@link LockOptions#lockDelay}). A contender whose turn comes tells a release
 * from a vanished holder by what it sees: a waiter is told "data changed" when the node ahead was
 * released (the marker written in the release's {@code multi}) and "deleted" when it vanished (a
 * session ended, a waiter gave up); a contender that finds the line empty when it joins reads the
 * lock node's stat, sent just ahead of its join (pipelined: still one round trip), and every release
 * also writes the lock node in its {@code multi}, so "the last member to go released" shows as
 * {@code mzxid == pzxid} with no children, and the join's listing shows whether anyone came and went
 * since that read. Whenever it cannot tell a release, it holds its place at the head of the line,
 * so that nobody behind can pass, and waits out the delay on its own monotonic clock from then,
 * within its deadline; {@link #tryAcquire()} waits it out too. Waiting out a delay is sometimes
 * more careful than needed (a waiter ahead gave up just as its turn came; a holder released while
 * the newcomer's join was in flight), never less. With a delay, the lock node
 * is made a persistent node by the first acquire (the line's record must outlive an empty line;
 * remove the node when the lock is retired), and a contender that gives up during its delay leaves
 * like a vanished holder, so the next one waits a whole delay again: give timed acquires a timeout
 * longer than the delay.
 */
public final class SequentialLock extends AbstractLock {
    private final WaitingLine line;
    private final BlockRule rule;
    private final String prefix;
    private final long delayNanos;
    /** Whether this lock has made sure that its node is persistent (only with a lock delay). */
    private volatile boolean nodeMade;

    /**
     * A lock whose members are named with {@code prefix} in the line at {@code path} that
     * {@code rule} orders (the sides of a {@link ReadWriteLock} share one line this way).
     */
    SequentialLock(ZkClient client, String path, LockOptions options, BlockRule rule, String prefix, String kind) {
        super(client, path, options, LockOptions.Ownership.THREAD, kind);
        this.delayNanos = options.lockDelayNanos();
        this.line = new WaitingLine(session, path, rule, delayNanos > 0);
        this.rule = rule;
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
        CompletableFuture<Stat> before = delayNanos > 0 ? lockNodeBeforeJoin(deadline) : null;
        Ticket ticket = line.join(prefix, NO_DATA, deadline); // leaves no node when it fails
        boolean granted = false;
        try {
            // the join's listing already tells whether it is our turn: no request
            boolean atJoin = line.tryTurn(ticket);
            boolean turn = atJoin || (!tryOnly && line.awaitTurn(ticket, deadline));
            granted = turn && mayTake(ticket, atJoin, before, deadline);
            return granted ? newLease(ticket.path(), ticket.czxid(), ticket.sessionId(), ticket) : null;
        } finally {
            if (!granted) {
                // also on interrupt, failure or close: unknown outcomes go to the cleanup path. A turn
                // not taken leaves without the release marker: the one behind must not skip a delay
                line.withdraw(ticket);
            }
        }
    }

    @Override
    void giveBack(Lease lease) {
        line.leave(lease.ticket()); // mark and delete in one multi: the next waiter needs no request
    }

    @Override
    long newestHolderZxid() throws KeeperException, InterruptedException {
        while (true) {
            String newest = newestHolder(line.members(Deadline.none()));
            if (newest == null) {
                return 0;
            }
            Stat stat = session.retry(Deadline.none(),
                    () -> Deadline.none().join(session.ops().exists(ZkPaths.join(path(), newest), null)));
            if (stat != null) {
                return stat.getCzxid();
            }
            // it left between the listing and the read: look again
        }
    }

    /** The last member of the line's head that nothing blocks (the holders), or {@code null}. */
    private String newestHolder(List<String> members) {
        String newest = null;
        for (int i = 0; i < members.size(); i++) {
            if (rule.nearestBlocker(members.get(i), members.subList(0, i)) != null) {
                break; // everyone from here on waits
            }
            newest = members.get(i);
        }
        return newest;
    }

    // ---- lock delay ---------------------------------------------------------------------------

    /** Whether the turn may be taken: at once without a delay or after a release, else once the delay is out. */
    private boolean mayTake(Ticket ticket, boolean atJoin, CompletableFuture<Stat> before, Deadline deadline)
            throws KeeperException, InterruptedException {
        if (delayNanos == 0) {
            return true;
        }
        boolean released = atJoin ? releasedBeforeJoin(before, ticket) : ticket.turnAfterRelease();
        return released || waitOutDelay(ticket, deadline);
    }

    /** The lock node's stat, read just ahead of the join on the same session: no extra round trip. */
    private CompletableFuture<Stat> lockNodeBeforeJoin(Deadline deadline) throws KeeperException, InterruptedException {
        if (!nodeMade) {
            // persistent, so that the record of the last release outlives an empty line; one request per lock object
            try {
                session.retry(deadline, () -> deadline.join(session.ops().createWithParents(path(), NO_DATA,
                        CreateMode.PERSISTENT)));
            } catch (KeeperException.NodeExistsException made) {
                // as it should be (a lock node made without a delay stays a container)
            }
            nodeMade = true;
        }
        return session.ops().exists(path(), null);
    }

    /**
     * Whether the line was empty just before we joined, the last member to leave it released, and
     * nobody came and went between that read and the join's listing: every child change between them
     * (each bumps the node's {@code cversion}) is the create of a member still listed, ours included.
     */
    private static boolean releasedBeforeJoin(CompletableFuture<Stat> before, Ticket ticket)
            throws InterruptedException {
        Stat read;
        try {
            read = Deadline.none().join(before); // sent ahead of the join, so answered already
        } catch (KeeperException e) {
            return false; // not known: wait the delay out
        }
        Stat listed = ticket.parentAtJoin();
        return read != null && read.getNumChildren() == 0 && read.getMzxid() == read.getPzxid()
                && listed.getCversion() - read.getCversion() == listed.getNumChildren();
    }

    /**
     * Holds the turn for the lock delay, timed on this process's clock from now, which is after the
     * holder went.
     *
     * @return {@code false} if the deadline passed first
     * @throws KeeperException SESSIONEXPIRED if the ticket's session ended meanwhile (join again)
     */
    private boolean waitOutDelay(Ticket ticket, Deadline deadline) throws KeeperException, InterruptedException {
        long end = System.nanoTime() + delayNanos;
        try (Wait wait = session.newWait()) {
            while (true) {
                requireSession(ticket.sessionId(), ticket.path());
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                if (!wait.await(deadline.atMost(left)) && deadline.passed()) {
                    return false;
                }
            }
        }
    }
}
