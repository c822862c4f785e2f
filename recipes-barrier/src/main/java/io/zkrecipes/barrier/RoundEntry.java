package io.zkrecipes.barrier;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.barrier.PhaseLoop.Step;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.AsyncOps.Children;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;

/**
 * One {@link DoubleBarrier#enter} call: joins the open round and waits for it to close.
 *
 * <p>A join is {@code multi(setData(open), create(member))}: it fails once the round has closed
 * (its {@code open} node is gone) and bumps {@code open}'s version, so the member that sees
 * {@code parties} members closes the round with {@code delete(open, version)} only if nobody
 * joined or withdrew since its listing. A withdrawal is {@code multi(delete(member), setData(open))}:
 * it fails if the round closed first, in which case the member was counted and has entered.
 * Waiters watch only the round's {@code ready} node. Used by one thread.
 */
final class RoundEntry implements PhaseLoop.Phase {
    private final ZkClient client;
    private final String base;
    private final int parties;
    private final String memberId;
    private final Wakeup wakeup;
    private long round;
    private int misses;
    private long joinedSession;
    private boolean joinUncertain;
    private ReadyWatch watch;

    /** @param round the round to try first; 0 to look for the open one */
    RoundEntry(ZkClient client, String base, int parties, String memberId, Wakeup wakeup, long round) {
        this.client = client;
        this.base = base;
        this.parties = parties;
        this.memberId = memberId;
        this.wakeup = wakeup;
        this.round = round;
    }

    /** The round joined (or last tried). */
    long round() {
        return round;
    }

    /** The session that owns our member node, 0 if there is none. */
    long session() {
        return joinedSession;
    }

    /**
     * @return {@code true} once admitted; {@code false} at the deadline, our node removed
     * @throws IllegalStateException if the barrier is closed meanwhile (our node is then removed)
     */
    boolean enter(long deadline) throws InterruptedException {
        return PhaseLoop.run(this, client, wakeup, base, deadline);
    }

    @Override
    public String describe() {
        return "enter double barrier " + base + " (round " + round + ")";
    }

    @Override
    public Step attempt(long deadline) throws KeeperException, InterruptedException, TimeoutException {
        if (joinedSession != 0 && joinedSession != client.sessionId()) {
            return recover(deadline);
        }
        if (joinedSession != 0 && watch != null && watch.created) {
            return Step.DONE; // the ready node appeared: nothing to ask
        }
        if (round == 0) {
            round = Rounds.current(client, base, deadline);
        }
        String roundPath = Rounds.roundPath(base, round);
        if (joinUncertain) {
            joinUncertain = false;
            adoptOwnNode(roundPath, deadline);
        }
        return look(roundPath, deadline);
    }

    /** Joins if not a member yet, then reads the round: all in one round trip. */
    private Step look(String roundPath, long deadline) throws KeeperException, InterruptedException, TimeoutException {
        String readyPath = ZkPaths.join(roundPath, Rounds.READY);
        if (watch == null || !watch.path.equals(readyPath)) {
            forgetWatch();
            watch = new ReadyWatch(readyPath, wakeup);
        }
        long session = client.sessionId();
        CompletableFuture<List<OpResult>> join = joinedSession == 0
                ? Session.of(client).ops().multi(Rounds.joinOps(client, roundPath, memberId)) : null;
        // pipelined behind the join, in this order: the watch, open's version, the listing
        CompletableFuture<Stat> ready = Session.of(client).ops().exists(readyPath, watch);
        CompletableFuture<Stat> open = Session.of(client).ops().exists(ZkPaths.join(roundPath, Rounds.OPEN), null);
        CompletableFuture<Children> listing = Session.of(client).ops().getChildren(roundPath, null);
        if (join != null && !joined(join, roundPath, session, deadline)) {
            return Step.RETRY;
        }
        misses = 0;
        Stat openStat = AsyncOps.join(open, deadline);
        if (AsyncOps.join(ready, deadline) != null || openStat == null) {
            return Step.DONE; // closed after our join, so with our node counted
        }
        List<String> ids = Rounds.members(AsyncOps.join(listing, deadline).names());
        return ids.size() < parties ? Step.WAIT : close(roundPath, openStat.getVersion(), ids, true, deadline);
    }

    private boolean joined(CompletableFuture<List<OpResult>> join, String roundPath, long session, long deadline)
            throws KeeperException, InterruptedException, TimeoutException {
        String memberPath = Rounds.memberPath(roundPath, memberId);
        try {
            AsyncOps.join(join, deadline);
            joinedSession = session;
            return true;
        } catch (TimeoutException e) {
            joinUncertain = true;
            throw e;
        } catch (KeeperException e) {
            if (Replies.isConnectionProblem(e.code())) {
                joinUncertain = true;
                throw e;
            }
            if (e.code() == Code.NONODE) {
                forgetWatch();
                // the round closed; its closer opened the next one. Twice in a row: list the rounds
                round = ++misses < 2 ? round + 1 : 0;
                return false;
            }
            if (e.code() == Code.NODEEXISTS && memberPath.equals(e.getPath())) {
                if (adoptOwnNode(roundPath, deadline)) {
                    return true;
                }
                forgetWatch();
                throw new IllegalArgumentException("memberId '" + memberId + "' is already taken in round " + round
                        + " of " + base + " by another session; member ids must be unique within a round");
            }
            throw e;
        }
    }

    /** After a lost reply: whether our member node exists in this session (and if so, adopts it). */
    private boolean adoptOwnNode(String roundPath, long deadline)
            throws KeeperException, InterruptedException, TimeoutException {
        Stat stat = AsyncOps.join(Session.of(client).ops().exists(Rounds.memberPath(roundPath, memberId), null), deadline);
        if (stat != null && stat.getEphemeralOwner() == client.sessionId()) {
            joinedSession = stat.getEphemeralOwner();
            return true;
        }
        return false;
    }

    private Step close(String roundPath, int openVersion, List<String> ids, boolean openNext, long deadline)
            throws KeeperException, InterruptedException, TimeoutException {
        try {
            AsyncOps.join(Session.of(client).ops().multi(Rounds.closeOps(client, base, round, openVersion, ids, openNext)),
                    deadline);
            Rounds.removeOld(client, base, round - 2);
            return Step.DONE;
        } catch (KeeperException e) {
            switch (e.code()) {
                case BADVERSION:
                    return Step.RETRY; // someone joined or withdrew since our listing: look again
                case NONODE:
                    return Step.DONE; // another member closed it, with our node counted
                case NODEEXISTS:
                    if (openNext) {
                        return close(roundPath, openVersion, ids, false, deadline); // next round made by hand
                    }
                    throw e;
                default:
                    throw e;
            }
        }
    }

    /** Our session expired after we joined: our node is gone. Admitted if the round closed before that. */
    private Step recover(long deadline) throws KeeperException, InterruptedException, TimeoutException {
        joinedSession = 0;
        joinUncertain = false;
        forgetWatch();
        return namedInReady(deadline) ? Step.DONE : Step.RETRY;
    }

    private boolean namedInReady(long deadline) throws KeeperException, InterruptedException, TimeoutException {
        return Rounds.readyNames(client, base, round, memberId, deadline);
    }

    /** At the deadline: withdraws unless the round closed first (then we did enter: {@code true}). */
    @Override
    public boolean giveUp() throws InterruptedException {
        forgetWatch();
        if (joinedSession == 0 && !joinUncertain) {
            return false;
        }
        long graceEnd = System.nanoTime() + Replies.GRACE_NANOS;
        String roundPath = Rounds.roundPath(base, round);
        try {
            if (joinedSession != 0 && joinedSession != client.sessionId()) {
                return namedInReady(graceEnd);
            }
            AsyncOps.join(Session.of(client).ops().multi(Rounds.withdrawOps(roundPath, memberId)), graceEnd);
            return false;
        } catch (KeeperException e) {
            if (e.code() == Code.NONODE) {
                // our node exists but open is gone: the round closed with us in it
                return !Rounds.memberPath(roundPath, memberId).equals(e.getPath());
            }
            if (!Replies.isConnectionProblem(e.code())) {
                throw new ZkRecipeException("withdraw from double barrier " + base + " (round " + round + ")", e);
            }
        } catch (TimeoutException e) {
            // unknown outcome: finish it below
        }
        abandon();
        return false;
    }

    /** Withdraws in the background, for when this call cannot wait (interrupt, close, failure). */
    @Override
    public void abandon() {
        forgetWatch();
        long session = joinedSession != 0 ? joinedSession : joinUncertain ? client.sessionId() : 0;
        if (session != 0 && !client.isClosed()) {
            String roundPath = Rounds.roundPath(base, round);
            BackgroundRemoval.start(client, Rounds.memberPath(roundPath, memberId), session,
                    () -> Session.of(client).ops().multi(Rounds.withdrawOps(roundPath, memberId)));
        }
        joinedSession = 0;
        joinUncertain = false;
    }

    private void forgetWatch() {
        ReadyWatch w = watch;
        watch = null;
        if (w != null && !w.created && !client.isClosed()) {
            Session.of(client).ops().removeWatches(w.path, w, org.apache.zookeeper.Watcher.WatcherType.Any)
                    .exceptionally(e -> null);
        }
    }
}
