package io.zkrecipes.barrier;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.Require;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import io.zkrecipes.core.internal.AsyncOps;

/**
 * A double barrier (the "synchronizing queue"): {@code parties} members, each with its own
 * {@link ZkClient} (its own session), {@link #enter} together and {@link #leave} together.
 *
 * <pre>{@code
 * try (DoubleBarrier barrier = new DoubleBarrier(client, "/jobs/nightly", 10, "worker-3")) {
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
 * with the id of its previous incarnation is refused until that session expires.
 *
 * <p><b>Connection states.</b> {@code SUSPENDED}: waiting calls keep waiting (their deadline
 * still applies). {@code RECONNECTED}: they re-check. {@code LOST} while entering: the member
 * node is gone; if the round closed before, the member has entered, otherwise it joins again
 * in the new session (within the deadline). {@code LOST} while inside or leaving: the node is
 * gone, which counts as having left.
 *
 * <p><b>Threads.</b> One instance is one member: calls must not overlap (an overlapping call
 * throws {@link IllegalStateException}); {@link #close()} may come from any thread.
 */
public final class DoubleBarrier implements AutoCloseable {
    private enum Phase { OUTSIDE, ENTERING, INSIDE, LEAVING, CLOSED }

    private final ZkClient client;
    private final String path;
    private final int parties;
    private final String memberId;
    private final Wakeup wakeup = new Wakeup();
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.OUTSIDE);
    private volatile long round;
    private volatile long nextGuess;
    private volatile long ownSession;

    /**
     * A member {@code memberId} of the double barrier at {@code path} for {@code parties} members.
     * Sends nothing until {@link #enter}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path, {@code parties} &lt; 1,
     *                                  or {@code memberId} is not a valid node name
     * @throws IllegalStateException    if the client is closed
     */
    public DoubleBarrier(ZkClient client, String path, int parties, String memberId) {
        this.client = Objects.requireNonNull(client, "client");
        this.path = ZkPaths.validate(path, "path");
        this.parties = Require.atLeast(parties, 1, "parties");
        this.memberId = ZkPaths.validateSegment(memberId, "memberId");
        if (client.isClosed()) {
            throw new IllegalStateException("client is closed");
        }
        client.addListener(wakeup);
    }

    /**
     * Joins the open round and blocks until {@code parties} members have joined it. A zero
     * timeout tries once (waiting for those replies up to a second).
     *
     * @return {@code true} once all have arrived (also when the round closes with this member
     *         in it as the timeout expires); {@code false} on timeout, this member's node then
     *         removed so that nobody counts it (if the connection is down at that moment, the
     *         removal finishes in the background when it returns)
     * @throws IllegalArgumentException if another live member uses this member id in the round
     * @throws IllegalStateException    if already entered, another call is running, or closed
     * @throws io.zkrecipes.core.ZkRecipeException if ZooKeeper refuses a request (e.g. no permission)
     * @throws InterruptedException     if interrupted; this member's node is then removed
     */
    public boolean enter(Duration timeout) throws InterruptedException {
        long deadline = Require.deadlineAfter(Require.nonNegative(timeout, "timeout"));
        begin(Phase.OUTSIDE, Phase.ENTERING);
        RoundEntry entry = new RoundEntry(client, path, parties, memberId, wakeup, nextGuess);
        boolean admitted = false;
        try {
            admitted = entry.enter(deadline);
            return admitted;
        } finally {
            round = entry.round();
            ownSession = admitted ? entry.session() : 0;
            nextGuess = admitted ? round + 1 : round;
            if (!phase.compareAndSet(Phase.ENTERING, admitted ? Phase.INSIDE : Phase.OUTSIDE) && admitted) {
                removeOwnNode(); // closed meanwhile
            }
        }
    }

    /**
     * Blocks until every member of the round entered last has left it (its node is gone). A
     * member that timed out of {@code leave}, or whose session expired, counts as having left.
     *
     * @return {@code true} once none is left; {@code false} on timeout, this member's node then
     *         removed (in the background if the connection is down at that moment)
     * @throws IllegalStateException if not entered, another call is running, or closed
     * @throws io.zkrecipes.core.ZkRecipeException if ZooKeeper refuses a request
     * @throws InterruptedException  if interrupted; this member's node is then removed
     */
    public boolean leave(Duration timeout) throws InterruptedException {
        long deadline = Require.deadlineAfter(Require.nonNegative(timeout, "timeout"));
        begin(Phase.INSIDE, Phase.LEAVING);
        try {
            return new RoundExit(client, Rounds.roundPath(path, round), memberId, ownSession, wakeup).leave(deadline);
        } finally {
            ownSession = 0;
            phase.compareAndSet(Phase.LEAVING, Phase.OUTSIDE);
        }
    }

    /** The round entered last, 0 before the first. Rounds count up from 1 per path. */
    public long round() {
        return round;
    }

    public int parties() {
        return parties;
    }

    public String memberId() {
        return memberId;
    }

    public String path() {
        return path;
    }

    /**
     * Stops this member: removes its node if it is inside a round (without waiting), makes a
     * waiting call throw {@link IllegalStateException}, and stops listening to the client.
     * Idempotent; never blocks.
     */
    @Override
    public void close() {
        Phase was = phase.getAndSet(Phase.CLOSED);
        if (was == Phase.CLOSED) {
            return;
        }
        wakeup.close();
        client.removeListener(wakeup);
        if (was == Phase.INSIDE) {
            removeOwnNode();
        }
    }

    static void requireOpen(Wakeup wakeup, String path) {
        if (wakeup.isClosed()) {
            throw new IllegalStateException("double barrier at " + path + " is closed");
        }
    }

    private void begin(Phase from, Phase to) {
        if (phase.compareAndSet(from, to)) {
            return;
        }
        Phase now = phase.get();
        throw new IllegalStateException(switch (now) {
            case CLOSED -> "double barrier at " + path + " is closed";
            case INSIDE -> "member '" + memberId + "' already entered round " + round + " of " + path + "; leave first";
            case OUTSIDE -> "member '" + memberId + "' has not entered " + path + "; enter first";
            default -> "another enter or leave of member '" + memberId + "' is running";
        });
    }

    private void removeOwnNode() {
        long session = ownSession;
        ownSession = 0;
        if (session == 0 || client.isClosed() || session != client.sessionId()) {
            return;
        }
        String node = Rounds.memberPath(Rounds.roundPath(path, round), memberId);
        Session.of(client).ops().delete(node, -1).whenComplete((v, e) -> {
            if (e != null && Replies.isConnectionProblem(AsyncOps.codeOf(e))) {
                BackgroundRemoval.start(client, node, session, () -> Session.of(client).ops().delete(node, -1));
            }
        });
    }
}
