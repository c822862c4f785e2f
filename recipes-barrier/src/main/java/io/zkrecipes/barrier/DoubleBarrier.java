package io.zkrecipes.barrier;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.AsyncOps.Children;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;

/**
 * A double barrier (the "synchronizing queue"): {@code parties} members, each with its own
 * {@link ZkClient} (its own session), {@link #enter} together and {@link #leave} together.
 *
 * <pre>{@code
 * try (DoubleBarrier barrier = DoubleBarrier.create(client, "/jobs/nightly", 10, "worker-3")) {
 *     if (barrier.enter(Duration.ofMinutes(1))) {
 *         runPhase();
 *         barrier.leave(Duration.ofMinutes(1));
 *     }
 * }
 * }</pre>
 *
 * <p><b>Rounds.</b> The same path serves round after round: each enter joins the open round
 * (a generation node under the path); the member that sees {@code parties} members closes it,
 * which opens the next one in the same atomic step. A member that has entered round n and then
 * enters again joins round n+1 even while slow members are still leaving round n: rounds never
 * share member nodes, and a round admits exactly the members present when it closed. A closed
 * round's nodes are removed two rounds later; after the last round the path keeps a few nodes.
 *
 * <p><b>Members</b> are EPHEMERAL nodes named by the member id: a crashed member vanishes when its
 * session expires; two live members with one id in one round are refused. A process restarted
 * with the id of its previous incarnation is refused while that incarnation's node is in the open
 * round (until its session expires); a round the previous incarnation is not in admits it.
 *
 * <p><b>Timeouts</b> are deadlines: every request made for a call is bounded by it, and a call
 * returns within its timeout plus at most a second, whatever the network does (half a second for
 * the first replies when the timeout is shorter than that, so that a zero timeout still tries
 * once, and half a second to withdraw at the deadline). A withdrawal whose answer does not come
 * in that time is finished in the background, and then, if the round closed at that very moment,
 * it may have counted this member.
 *
 * <p><b>Connection states.</b> {@code SUSPENDED}: waiting calls keep waiting (their deadline
 * still applies). {@code RECONNECTED}: they re-check. {@code LOST} (also a suspension longer than
 * the session timeout) while entering: the member node is gone; if the round closed before, the
 * member has entered, otherwise it joins again in the new session (within the deadline). After a
 * quorum loss the servers keep the old session, and its node, for one more session timeout: the
 * member waits for that node to go before it joins, and has entered if the round closes with it.
 * {@code LOST} while inside or leaving: the node is gone, which counts as having left.
 *
 * <p><b>Threads.</b> One instance is one member: calls must not overlap (an overlapping call
 * throws {@link IllegalStateException}); {@link #close()} may come from any thread. Making an
 * instance sends nothing and registers nothing on the client.
 */
public final class DoubleBarrier implements AutoCloseable {
    private enum State { OUTSIDE, ENTERING, INSIDE, LEAVING, CLOSED }

    /** What one look at the round found: done, wait for a change, or look again at once. */
    private enum Step { DONE, WAIT, RETRY }

    /** How long past the caller's deadline the first replies, and then the withdrawal, may take. */
    private static final Duration GRACE = Duration.ofMillis(500);

    private final ZkClient client;
    private final String path;
    private final int parties;
    private final String memberId;
    private final AtomicReference<State> state = new AtomicReference<>(State.OUTSIDE);
    /*
     * One watcher per instance for each kind of watch, never removed: a removal that is in flight
     * when the connection drops makes ZooKeeper's client swallow its Disconnected event. Being one
     * object, a watcher left behind by a call that gave up is set once per node at most, and goes
     * when that node changes.
     */
    private final Watcher readyWatch = this::onReadyEvent;
    private final Watcher memberWatch = event -> wakeWaiting();
    /** The running call's wait, for close() and the ready watch to wake. */
    private volatile Wait waiting;
    private volatile long entered;
    /** Our member node and the session that owns it (or that a join of unknown outcome was sent on); 0: none. */
    private volatile long ownSession;
    private volatile String ownNode;
    // State of the one running call (calls do not overlap):
    /** The round being entered, then the next one to try; 0: look it up. */
    private long round;
    private boolean joinKnown;
    /** The session of our node in this round, taken as lost since; its node may still be there. */
    private long lostSession;
    private int misses;
    private volatile String readyPath;
    private volatile boolean readyCreated;
    private boolean mayCloseOnJoin;

    private DoubleBarrier(ZkClient client, String path, int parties, String memberId) {
        this.client = client;
        this.path = path;
        this.parties = parties;
        this.memberId = memberId;
    }

    /**
     * Member {@code memberId} of the double barrier at {@code path} for {@code parties} members.
     * Sends nothing and registers nothing until {@link #enter}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path, {@code parties} &lt; 1,
     *                                  or {@code memberId} is not a valid node name
     * @throws IllegalStateException    if the client is closed
     */
    public static DoubleBarrier create(ZkClient client, String path, int parties, String memberId) {
        Objects.requireNonNull(client, "client");
        ZkPaths.validate(path, "path");
        Require.atLeast(parties, 1, "parties");
        ZkPaths.validateSegment(memberId, "memberId");
        if (client.isClosed()) {
            throw new IllegalStateException("client is closed");
        }
        return new DoubleBarrier(client, path, parties, memberId);
    }

    /**
     * Joins the open round and blocks until at least {@code parties} members have joined it (members
     * arriving together may all be admitted, so a round can hold more). A zero
     * timeout tries once.
     *
     * @return {@code true} once all have arrived (also when the round closes with this member
     *         in it as the timeout expires); {@code false} on timeout, this member's node then
     *         removed so that nobody counts it (see the class comment on timeouts)
     * @throws IllegalArgumentException if {@code timeout} is negative, or another live member
     *                                  uses this member id in the round
     * @throws IllegalStateException    if already entered, another call is running, or this
     *                                  member or its client is closed (also while waiting: the
     *                                  node is then removed)
     * @throws ZkRecipeException        if ZooKeeper refuses a request (e.g. no permission)
     * @throws InterruptedException     if interrupted; this member's node is then removed
     */
    public boolean enter(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(timeout);
        begin(State.OUTSIDE, State.ENTERING);
        boolean admitted = false;
        try {
            misses = 0;
            lostSession = 0;
            mayCloseOnJoin = true;
            readyPath = null;
            readyCreated = false;
            admitted = run(deadline, true);
            return admitted;
        } finally {
            if (admitted) {
                entered = round;
                round++;
            }
            if (!state.compareAndSet(State.ENTERING, admitted ? State.INSIDE : State.OUTSIDE) && admitted) {
                abandon(Session.of(client)); // closed meanwhile
            }
        }
    }

    /**
     * Blocks until every member of the round entered last has left it (its node is gone). A
     * member that timed out of {@code leave}, or whose session expired, counts as having left.
     *
     * @return {@code true} once none is left; {@code false} on timeout, this member's node then
     *         removed (in the background if no answer comes within half a second)
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if not entered, another call is running, or this member
     *                                  or its client is closed (also while waiting: the node is
     *                                  then removed)
     * @throws ZkRecipeException        if ZooKeeper refuses a request
     * @throws InterruptedException     if interrupted; this member's node is then removed
     */
    public boolean leave(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(timeout);
        begin(State.INSIDE, State.LEAVING);
        try {
            return run(deadline, false);
        } finally {
            state.compareAndSet(State.LEAVING, State.OUTSIDE);
        }
    }

    /** The round entered last, 0 before the first. Rounds count up from 1 per path. */
    public long round() {
        return entered;
    }

    /** How many members a round waits for. */
    public int parties() {
        return parties;
    }

    /** This member's id, its node's name in each round. */
    public String memberId() {
        return memberId;
    }

    /** The barrier's node, under which its rounds live. */
    public String path() {
        return path;
    }

    /**
     * Stops this member: removes its node if it is inside a round (in the background), and makes
     * a waiting call throw {@link IllegalStateException} (that call removes its own node).
     * Idempotent; never blocks.
     */
    @Override
    public void close() {
        State was = state.getAndSet(State.CLOSED);
        if (was == State.CLOSED) {
            return;
        }
        wakeWaiting(); // the running call sees CLOSED and removes its node
        if (was == State.INSIDE) {
            abandon(Session.of(client));
        }
    }

    // ---- the wait loop both calls share -------------------------------------------------------

    private boolean run(Deadline deadline, boolean entering) throws InterruptedException {
        Session session = Session.of(client);
        // the first replies may outlast a tiny timeout, so that a zero timeout still tries once
        Deadline replies = deadline.remainingNanos() < GRACE.toNanos() ? Deadline.after(GRACE) : deadline;
        try (Wait wait = session.newWait()) {
            waiting = wait;
            try {
                while (true) {
                    requireOpen();
                    Step step = attempt(session, replies, entering);
                    replies = deadline;
                    if (step == Step.DONE) {
                        return true;
                    }
                    if (step == Step.WAIT && !wait.await(deadline)) {
                        return entering ? giveUpEntering(session) : giveUpLeaving(session);
                    }
                }
            } catch (InterruptedException | RuntimeException e) {
                abandon(session);
                throw e;
            } finally {
                waiting = null;
            }
        }
    }

    private Step attempt(Session session, Deadline deadline, boolean entering) throws InterruptedException {
        try {
            return session.retry(deadline, () -> entering ? enterStep(session, deadline) : leaveStep(session, deadline));
        } catch (KeeperException e) {
            if (e.code() == Code.SESSIONEXPIRED || (ZkClient.isRetryable(e.code()) && deadline.isTimed())) {
                return Step.WAIT; // the next session wakes the wait; or the deadline passed and it ends at once
            }
            throw new ZkRecipeException((entering ? "enter" : "leave") + " double barrier " + path, e);
        }
    }

    // ---- entering -----------------------------------------------------------------------------

    private Step enterStep(Session session, Deadline deadline) throws KeeperException, InterruptedException {
        long current = session.sessionId();
        if (current == 0) {
            return Step.WAIT; // no live session: its successor wakes the wait
        }
        if (ownSession != 0 && ownSession != current) {
            lostSession = ownSession;
            return admittedBeforeSessionEnded(session, deadline) ? Step.DONE : Step.RETRY;
        }
        if (joinKnown && readyCreated) {
            return Step.DONE; // the ready node appeared after our join: nothing to ask
        }
        if (round == 0) {
            round = Rounds.current(session, path, deadline);
        }
        if (ownSession != 0 && !joinKnown) {
            adoptOwnNode(session, deadline); // a join's reply was lost: was it applied?
        }
        return look(session, Rounds.roundPath(path, round), deadline);
    }

    /**
     * Joins unless in already, then reads the round. A member that is not in yet reads the round
     * first: when it sees itself the last one missing, its join closes the round in the same
     * {@code multi} (one write in sequence, not two), and the others are in on the ready event.
     */
    private Step look(Session session, String roundPath, Deadline deadline) throws KeeperException, InterruptedException {
        String ready = ZkPaths.join(roundPath, Rounds.READY);
        if (!ready.equals(readyPath)) {
            readyPath = ready;
            readyCreated = false;
        }
        if (ownSession != 0) {
            return afterJoin(session, RoundView.read(session, roundPath, readyWatch).await(deadline), deadline);
        }
        RoundView before = RoundView.read(session, roundPath, readyWatch).await(deadline);
        Step lost = lostSession == 0 ? null : whileLostNodeStays(session, roundPath, before, deadline);
        if (lost != null) {
            return lost;
        }
        if (before.closed()) {
            nextRound();
            return Step.RETRY;
        }
        long current = session.sessionId();
        own(current, Rounds.memberPath(roundPath, memberId));
        if (mayCloseOnJoin && before.ids().size() + 1 >= parties && !before.ids().contains(memberId)) {
            List<Op> joinAndClose = Rounds.joinAndCloseOps(session, path, round, before.openVersion(),
                    before.ids(), memberId);
            if (!joined(session, session.opsFor(current).multi(joinAndClose), deadline)) {
                return Step.RETRY;
            }
            Rounds.removeOld(session, path, round - 2);
            return Step.DONE;
        }
        CompletableFuture<List<OpResult>> join = session.opsFor(current).multi(Rounds.joinOps(session, roundPath, memberId));
        RoundView.Pending after = RoundView.read(session, roundPath, readyWatch); // pipelined behind the join
        if (!joined(session, join, deadline)) {
            return Step.RETRY;
        }
        return afterJoin(session, after.await(deadline), deadline);
    }

    /** With our node in: done if the round closed, else close it if all are in, else wait. */
    private Step afterJoin(Session session, RoundView view, Deadline deadline) throws KeeperException, InterruptedException {
        misses = 0;
        if (view.closed()) {
            return Step.DONE; // closed after our join, so with our node counted
        }
        return view.ids().size() < parties ? Step.WAIT
                : closeRound(session, view.openVersion(), view.ids(), true, deadline);
    }

    /** The round we tried closed without us; its closer opened the next one. Twice in a row: list the rounds. */
    private void nextRound() {
        round = ++misses < 2 ? round + 1 : 0;
    }

    /**
     * Our node of a session taken as lost can outlive it on the servers for a while (a quorum
     * restored after a loss gives every session a fresh timeout), and the round may close with it:
     * then we entered. While it is there, a join of ours would be refused: wait until it goes.
     *
     * @return the step to take, or null when the old node is not (or no longer) in the round
     */
    private Step whileLostNodeStays(Session session, String roundPath, RoundView view, Deadline deadline)
            throws KeeperException, InterruptedException {
        if (view.closed()) {
            if (Rounds.readyNames(session, path, round, memberId, deadline)) {
                return Step.DONE;
            }
            lostSession = 0;
            return null;
        }
        if (!view.ids().contains(memberId)) {
            return null;
        }
        try {
            // getData, not exists: on a node gone meanwhile it leaves no watch behind
            Stat stat = deadline.join(session.ops().getData(Rounds.memberPath(roundPath, memberId), memberWatch)).stat();
            return stat.getEphemeralOwner() == lostSession ? Step.WAIT : null;
        } catch (KeeperException.NoNodeException gone) {
            return null;
        }
    }

    private boolean joined(Session session, CompletableFuture<List<OpResult>> join, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            deadline.join(join);
            joinKnown = true;
            return true;
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code())) {
                throw e; // outcome unknown: the next attempt asks
            }
            if (e.code() == Code.NODEEXISTS && ownNode.equals(e.getPath())) {
                if (adoptOwnNode(session, deadline)) {
                    return true;
                }
                throw new IllegalArgumentException("memberId '" + memberId + "' is already taken in round " + round
                        + " of " + path + " by another session; member ids must be unique within a round");
            }
            own(0, null);
            switch (e.code()) {
                case NONODE:
                    nextRound();
                    return false;
                case BADVERSION:
                    return false; // a join that would close: someone joined or withdrew since our reading
                case NODEEXISTS:
                    mayCloseOnJoin = false; // the next round was made by hand: join, then close apart
                    return false;
                default:
                    throw e;
            }
        }
    }

    /** Whether our session owns the member node (then the join was applied); forgets the node if not. */
    private boolean adoptOwnNode(Session session, Deadline deadline) throws KeeperException, InterruptedException {
        Stat stat = deadline.join(session.ops().exists(ownNode, null));
        joinKnown = stat != null && stat.getEphemeralOwner() == ownSession;
        if (!joinKnown) {
            own(0, null);
        }
        return joinKnown;
    }

    private Step closeRound(Session session, int openVersion, List<String> ids, boolean openNext, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            deadline.join(session.ops().multi(Rounds.closeOps(session, path, round, openVersion, ids, openNext)));
            Rounds.removeOld(session, path, round - 2);
            return Step.DONE;
        } catch (KeeperException e) {
            switch (e.code()) {
                case BADVERSION:
                    return Step.RETRY; // someone joined or withdrew since our listing: look again
                case NONODE:
                    return Step.DONE; // another member closed it, with our node counted
                case NODEEXISTS:
                    if (openNext) {
                        return closeRound(session, openVersion, ids, false, deadline); // next round made by hand
                    }
                    throw e;
                default:
                    throw e;
            }
        }
    }

    /** Our session ended after we joined, and our node with it: we entered if the round had closed before. */
    private boolean admittedBeforeSessionEnded(Session session, Deadline deadline)
            throws KeeperException, InterruptedException {
        boolean named = Rounds.readyNames(session, path, round, memberId, deadline);
        own(0, null);
        return named;
    }

    /** Noting the creation saves the woken member a round trip: it is in without asking. */
    private void onReadyEvent(WatchedEvent event) {
        if (event.getType() == Watcher.Event.EventType.NodeCreated && Objects.equals(readyPath, event.getPath())) {
            readyCreated = true;
        }
        wakeWaiting();
    }

    private void wakeWaiting() {
        Wait wait = waiting;
        if (wait != null) {
            wait.fire();
        }
    }

    /** At the deadline: withdraws, unless the round closed with us in it first (then we did enter). */
    private boolean giveUpEntering(Session session) throws InterruptedException {
        if (ownSession != 0 && ownSession != session.sessionId()) {
            try {
                return admittedBeforeSessionEnded(session, Deadline.after(GRACE));
            } catch (KeeperException e) {
                own(0, null);
                return false;
            }
        }
        if (!joinKnown) {
            abandon(session); // a join of unknown outcome: the cleanup path looks for the node
            return false;
        }
        KeeperException refused = removeOwnNode(session,
                ops -> ops.multi(Rounds.withdrawOps(Rounds.roundPath(path, round), memberId)));
        if (refused == null) {
            return false;
        }
        if (refused.code() == Code.NONODE && !ownNode.equals(refused.getPath())) {
            return true; // our node is there but open is gone: the round closed with us in it
        }
        own(0, null);
        if (refused.code() == Code.NONODE) {
            return false;
        }
        throw new ZkRecipeException("withdraw from double barrier " + path + " (round " + round + ")", refused);
    }

    // ---- leaving ------------------------------------------------------------------------------

    /**
     * ZooKeeper's double-barrier leave: members are ordered by id; the lowest waits for the highest
     * and deletes itself when alone; every other member deletes itself and waits for the lowest.
     * All have left when no member node remains.
     */
    private Step leaveStep(Session session, Deadline deadline) throws KeeperException, InterruptedException {
        if (ownSession != session.sessionId()) {
            own(0, null); // our node went with its session: we have left
        }
        String roundPath = Rounds.roundPath(path, entered);
        List<String> ids = members(session, roundPath, deadline);
        boolean mine = ownSession != 0 && ids.contains(memberId);
        if (!mine) {
            own(0, null);
        }
        if (ids.isEmpty()) {
            return Step.DONE;
        }
        if (mine && ids.size() == 1) {
            deleteOwnNode(session.opsFor(ownSession).delete(ownNode, -1), deadline);
            return Step.DONE;
        }
        boolean lowest = mine && ids.get(0).equals(memberId);
        String awaited = Rounds.memberPath(roundPath, lowest ? ids.get(ids.size() - 1) : ids.get(0));
        CompletableFuture<Void> delete = mine && !lowest ? session.opsFor(ownSession).delete(ownNode, -1) : null;
        // pipelined with our delete: the watch on the member we wait for costs no extra round trip
        CompletableFuture<AsyncOps.NodeData> watch = session.ops().getData(awaited, memberWatch);
        if (delete != null) {
            deleteOwnNode(delete, deadline);
        }
        try {
            deadline.join(watch);
            return Step.WAIT;
        } catch (KeeperException.NoNodeException gone) {
            return Step.RETRY; // gone already (getData leaves no watch behind): list again
        }
    }

    private static List<String> members(Session session, String roundPath, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            return Rounds.members(deadline.join(session.ops().getChildren(roundPath, null)).names());
        } catch (KeeperException.NoNodeException e) {
            return List.of(); // the round was cleaned up: nobody is left in it
        }
    }

    private void deleteOwnNode(CompletableFuture<Void> delete, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            deadline.join(delete);
        } catch (KeeperException.NoNodeException gone) {
            // deleted by an earlier attempt whose reply was lost
        }
        own(0, null);
    }

    /** At the deadline: removes our node if it is still there. */
    private boolean giveUpLeaving(Session session) throws InterruptedException {
        if (ownSession != 0 && ownSession == session.sessionId()) {
            KeeperException refused = removeOwnNode(session, ops -> ops.delete(ownNode, -1));
            if (refused != null && refused.code() != Code.NONODE) {
                own(0, null);
                throw new ZkRecipeException("leave double barrier " + path + " (round " + entered + ")", refused);
            }
        }
        own(0, null);
        return false;
    }

    // ---- our node, at the end of a call -------------------------------------------------------

    /**
     * Sends {@code removal} of our node on the node's own session and waits up to {@link #GRACE}
     * for the answer; without an answer in time, the core cleanup path finishes the removal.
     *
     * @return ZooKeeper's refusal, or {@code null} once removed, gone or handed to the cleanup path
     */
    private KeeperException removeOwnNode(Session session, Function<AsyncOps, CompletableFuture<?>> removal)
            throws InterruptedException {
        try {
            Deadline.after(GRACE).join(removal.apply(session.opsFor(ownSession)));
            own(0, null);
            return null;
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code())) {
                abandon(session);
                return null;
            }
            if (e.code() == Code.SESSIONEXPIRED) {
                own(0, null); // the node went with its session
                return null;
            }
            return e;
        }
    }

    /** When nobody can wait (interrupt, close, failure, unknown outcome): the cleanup path removes our node. */
    private void abandon(Session session) {
        long owner = ownSession;
        String node = ownNode;
        own(0, null);
        if (owner != 0) {
            session.deleteOwned(node, owner);
        }
    }

    /** Records our node (or a join just sent, its outcome not known yet). */
    private void own(long session, String node) {
        ownSession = session;
        ownNode = node;
        joinKnown = false;
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    private void begin(State from, State to) {
        Session.of(client).requireOpen();
        if (state.compareAndSet(from, to)) {
            return;
        }
        throw new IllegalStateException(switch (state.get()) {
            case CLOSED -> "double barrier at " + path + " is closed";
            case INSIDE -> "member '" + memberId + "' already entered round " + entered + " of " + path + "; leave first";
            case OUTSIDE -> "member '" + memberId + "' has not entered " + path + "; enter first";
            default -> "another enter or leave of member '" + memberId + "' is running";
        });
    }

    private void requireOpen() {
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("double barrier at " + path + " is closed");
        }
    }
}
