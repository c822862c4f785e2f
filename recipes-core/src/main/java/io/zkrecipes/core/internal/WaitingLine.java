package io.zkrecipes.core.internal;

import io.zkrecipes.core.ZkPaths;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The line behind every "watch the one before you" recipe (locks, read/write locks, semaphores,
 * elections).
 *
 * <p>A member joins with an ephemeral sequential node created by {@link ProtectedCreate},
 * pipelined with one listing of the parent (one round trip). It then watches only the nearest
 * member ahead that blocks it under the {@link BlockRule}, with {@code getData} (which leaves no
 * watch behind on a missing node). Members ahead only leave, never arrive.
 *
 * <p>A member whose turn came leaves with one {@code multi} that marks its node released and
 * deletes it. The watcher behind it is told "data changed" and so knows the member left after
 * its turn, when everything that blocked it was already gone: it prunes those from the list it
 * holds and, in the common hand-off, finds itself first without sending any request. A plain
 * deletion (a waiter that gave up, a session that died) tells it nothing about the members
 * further ahead, so then it lists the parent once.
 *
 * <p>A line made with {@code recordReleases} also writes the parent in that same {@code multi}
 * (no further request), so that the parent's {@code mzxid} equals its {@code pzxid} from a
 * release until the next member joins or leaves: a newcomer that finds the line empty can tell
 * from the parent's stat alone whether the last member to go released (a lock delay needs this).
 *
 * <p>A member node's data is immutable for the node's life: the release marker is written only
 * at the version the node was created with, and a release that finds the data changed logs it as
 * a broken invariant (a foreign write would make followers believe the member left).
 * Thread-safe; each {@link Ticket} is used by one thread at a time.
 */
public final class WaitingLine {
    private static final Logger log = LoggerFactory.getLogger(WaitingLine.class);
    private static final byte[] RELEASED = new byte[0];

    private final Session session;
    private final String parent;
    private final BlockRule rule;
    private final boolean recordReleases;
    private final AtomicLong wakeups = new AtomicLong();

    public WaitingLine(Session session, String parent, BlockRule rule) {
        this(session, parent, rule, false);
    }

    /** A line whose releases also write the parent when {@code recordReleases} (see the class comment). */
    public WaitingLine(Session session, String parent, BlockRule rule, boolean recordReleases) {
        this.session = Objects.requireNonNull(session, "session");
        this.parent = ZkPaths.validate(parent, "parent");
        this.rule = Objects.requireNonNull(rule, "rule");
        this.recordReleases = recordReleases;
    }

    /** The parent node the members live under. */
    public String parent() {
        return parent;
    }

    /**
     * Joins the line at its back: one round trip in the common case. Leaves no node behind when
     * it fails or is interrupted.
     *
     * @param prefix the start of the member's node name (no '_'), which a {@link BlockRule} may read
     * @throws KeeperException.OperationTimeoutException (or the last connection failure) once the deadline passed
     */
    public Ticket join(String prefix, byte[] data, Deadline deadline) throws KeeperException, InterruptedException {
        ProtectedCreate.Result r = ProtectedCreate.createAndList(session, parent, prefix, data, deadline);
        Ticket ticket = new Ticket(r.node().path(), r.node().stat(), r.node().stat().getEphemeralOwner(), r.parent());
        ticket.replaceAhead(aheadOf(ticket, r.siblings()));
        return ticket;
    }

    /**
     * Waits until no member ahead blocks {@code ticket}. A connection loss alone does not end the
     * wait (ZooKeeper restores the watch on reconnection); the end of the ticket's session does.
     * {@link Ticket#turnAfterRelease()} then tells whether the turn came by a release.
     *
     * @return {@code true} when it is the member's turn, {@code false} once the deadline passed
     *         (also when the ensemble could not be reached before it)
     * @throws KeeperException.SessionExpiredException if the ticket's session ended (re-join)
     * @throws KeeperException              if the ensemble stays unreachable past an untimed call's retry deadline
     * @throws IllegalStateException        if the client is closed
     * @throws InterruptedException         if interrupted; the ticket stays in line (call {@link #leave})
     */
    public boolean awaitTurn(Ticket ticket, Deadline deadline) throws KeeperException, InterruptedException {
        boolean afterRelease = false; // how the last blocker went
        try (Wait wait = session.newWait()) {
            while (true) {
                requireSession(ticket);
                String blocker = rule.nearestBlocker(ticket.name(), ticket.aheadForUpdate());
                if (blocker == null) {
                    ticket.markGranted(afterRelease);
                    return true;
                }
                switch (watch(ticket, blocker, wait, deadline)) {
                    case RELEASED -> {
                        pruneReleased(ticket, blocker);
                        afterRelease = true;
                    }
                    case GONE -> {
                        relist(ticket, deadline);
                        afterRelease = false;
                    }
                    case TIMED_OUT -> {
                        return false;
                    }
                }
            }
        } catch (KeeperException e) {
            if (deadline.passed() && RetryLoop.isRetryable(e.code())) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Whether it is the member's turn by the list it holds, without sending anything: for
     * non-blocking tries right after {@link #join}, whose listing is fresh.
     */
    public boolean tryTurn(Ticket ticket) {
        if (rule.nearestBlocker(ticket.name(), ticket.aheadForUpdate()) != null) {
            return false;
        }
        ticket.markGranted(false);
        return true;
    }

    /**
     * Leaves the line without waiting for the reply. After its turn a member leaves with one
     * {@code multi} that marks and deletes its node (see the class comment); before it, with a
     * plain delete. Both are sent on the ticket's own session, which orders them before anything
     * this client sends later; when the outcome is unknown (connection loss) the cleanup path
     * finishes the delete. A waiter behind it is woken only once the delete is applied.
     */
    public void leave(Ticket ticket) {
        leave(ticket, ticket.granted());
    }

    /**
     * Leaves with a plain delete, also after the member's turn came: for a member that did not take
     * its turn (it gave up while waiting out a lock delay), so that the member behind does not take
     * its going for a release. Otherwise as {@link #leave}.
     */
    public void withdraw(Ticket ticket) {
        leave(ticket, false);
    }

    private void leave(Ticket ticket, boolean released) {
        if (session.sessionId() != ticket.sessionId()) {
            return; // the node goes with its session
        }
        AsyncOps ops = session.opsFor(ticket.sessionId());
        CompletableFuture<?> sent = released ? ops.multi(releaseOps(ticket)) : ops.delete(ticket.path(), -1);
        sent.whenComplete((done, failure) -> {
            if (failure != null) {
                afterFailedLeave(ticket, AsyncOps.codeOf(failure));
            }
        });
    }

    private List<Op> releaseOps(Ticket ticket) {
        Op mark = Op.setData(ticket.path(), RELEASED, ticket.createdVersion());
        Op delete = Op.delete(ticket.path(), -1);
        return recordReleases ? List.of(mark, delete, Op.setData(parent, RELEASED, -1)) : List.of(mark, delete);
    }

    private void afterFailedLeave(Ticket ticket, KeeperException.Code code) {
        if (code == KeeperException.Code.NONODE || code == KeeperException.Code.SESSIONEXPIRED) {
            return; // gone already, or with its session
        }
        if (code == KeeperException.Code.BADVERSION) {
            log.error("Member node {} had its data changed by someone else; member data must never change",
                    ticket.path());
        }
        session.deleteOwned(ticket.path(), ticket.sessionId(), ticket.czxid());
    }

    /** The members in line order, first first (one listing). */
    public List<String> members(Deadline deadline) throws KeeperException, InterruptedException {
        try {
            return Sequences.sorted(session.retry(deadline,
                    () -> deadline.join(session.ops().getChildren(parent, null))).names());
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    /** Watch notifications this line's waiters have received (one per release they waited on). */
    public long wakeups() {
        return wakeups.get();
    }

    private enum Outcome { RELEASED, GONE, TIMED_OUT }

    private Outcome watch(Ticket ticket, String blocker, Wait wait, Deadline deadline)
            throws KeeperException, InterruptedException {
        String path = ZkPaths.join(parent, blocker);
        BlockerWatch watch = new BlockerWatch(wait);
        try {
            session.retry(deadline, () -> deadline.join(session.ops().getData(path, watch)));
        } catch (KeeperException.NoNodeException gone) {
            return Outcome.GONE;
        }
        while (watch.event == null) {
            requireSession(ticket);
            if (!wait.await(deadline) && watch.event == null) {
                session.ops().removeWatches(path, watch, Watcher.WatcherType.Data);
                return Outcome.TIMED_OUT;
            }
        }
        wakeups.incrementAndGet();
        return watch.event == Watcher.Event.EventType.NodeDataChanged ? Outcome.RELEASED : Outcome.GONE;
    }

    /** The blocker left after its turn: it and everything that blocked it are gone. No request. */
    private void pruneReleased(Ticket ticket, String released) {
        long seq = Sequences.sequence(released);
        ticket.aheadForUpdate().removeIf(other -> other.equals(released)
                || (Sequences.sequence(other) < seq && rule.blocks(released, other)));
    }

    /** The blocker vanished for an unknown reason: learn who is still ahead with one listing. */
    private void relist(Ticket ticket, Deadline deadline) throws KeeperException, InterruptedException {
        List<String> names = session.retry(deadline, () -> {
            try {
                return deadline.join(session.ops().getChildren(parent, null)).names();
            } catch (KeeperException e) {
                if (RetryLoop.isRetryable(e.code())) {
                    Listings.failIfTooLarge(session, parent, ticket.name(), deadline);
                }
                throw e;
            }
        });
        ticket.replaceAhead(aheadOf(ticket, names));
    }

    private static List<String> aheadOf(Ticket ticket, List<String> names) {
        long mine = Sequences.sequence(ticket.name());
        return Sequences.sorted(names).stream().filter(n -> Sequences.sequence(n) < mine).toList();
    }

    private void requireSession(Ticket ticket) throws KeeperException {
        session.requireOpen();
        if (session.sessionId() != ticket.sessionId()) {
            throw KeeperException.create(KeeperException.Code.SESSIONEXPIRED, ticket.path());
        }
    }

    /** A one-shot data watch on a blocker; connection events only wake the wait, which re-checks the session. */
    private static final class BlockerWatch implements Watcher {
        private final Wait wait;
        private volatile Event.EventType event;

        BlockerWatch(Wait wait) {
            this.wait = wait;
        }

        @Override
        public void process(WatchedEvent e) {
            if (e.getType() != Event.EventType.None) {
                event = e.getType();
            }
            wait.fire();
        }
    }
}
