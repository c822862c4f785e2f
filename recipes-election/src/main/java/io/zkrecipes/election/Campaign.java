package io.zkrecipes.election;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.Ticket;
import io.zkrecipes.core.WaitingLine;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.util.OptionalLong;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The participant's own thread: joins the line, waits for its turn, leads while it may, and joins
 * again after its node is gone. {@link LeaderElection} is a shell over it.
 *
 * <p>The thread is private; {@link Signals} carries the requests made of it and its wake-ups (an
 * interrupt it catches is such a wake-up).
 */
final class Campaign implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Campaign.class);
    private static final String PREFIX = "member-";
    private static final long NAP_MILLIS = 1000;
    private static final long FAR = Long.MAX_VALUE / 4;

    /** Why a participant stopped following one node. */
    private enum Exit { CLOSE, RESIGN, REJOIN, GIVE_UP }

    /** Why a leadership spell ended. */
    private enum LeadEnd { REQUEST_OR_GONE, STEPPED_DOWN, TASK_DONE }

    private record Term(Membership member, long epoch) {
    }

    private final ElectionContext ctx;
    private final ZkClient client;
    private final WaitingLine line;
    private final Signals signals = new Signals();
    private final ConnectionStateListener stateListener = this::stateChanged;
    private final Thread thread;
    private volatile Membership member;
    private volatile Term term;
    /** Set when the server refused to let this participant join (permissions): the campaign is over. */
    private volatile ZkRecipeException refusal;

    Campaign(ElectionContext ctx) {
        this.ctx = ctx;
        this.client = ctx.client();
        this.line = ctx.line();
        this.thread = new Thread(this, "zk-election-" + ctx.id());
        this.thread.setDaemon(true);
        signals.owner(thread);
    }

    void start() {
        client.addListener(stateListener);
        thread.start();
    }

    /** The current term if this participant leads right now (see {@link #valid}). */
    OptionalLong epoch() {
        Term t = term;
        return valid(t) ? OptionalLong.of(t.epoch()) : OptionalLong.empty();
    }

    /** The node of the current term if it leads right now, else {@code null}. */
    String leaderNode() {
        Term t = term;
        return valid(t) ? t.member().ticket().path() : null;
    }

    /** Waits until leading or the deadline; {@code false} at the deadline. */
    boolean awaitLeadership(long deadlineNanos) throws InterruptedException {
        boolean leading;
        try {
            leading = signals.awaitUntil(() -> valid(term) || refusal != null, deadlineNanos, NAP_MILLIS);
        } catch (IllegalStateException closed) {
            throw new IllegalStateException("election at " + line.parent() + " was closed while waiting");
        }
        if (refusal != null) {
            throw refusal;
        }
        return leading;
    }

    /** Asks the participant to leave for good; with {@code await}, waits until its node is deleted. */
    void close(boolean await) {
        signals.requestClose(() -> term = null);
        if (await && !ctx.isOwnThread(thread)) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Asks the participant to give up its place; with {@code await}, waits until its node is deleted. */
    void resign(boolean await) {
        long mine = signals.requestResign(() -> term = null);
        if (await && !ctx.isOwnThread(thread)) {
            signals.awaitResigned(mine);
        }
    }

    @Override
    public void run() {
        try {
            runLoop();
        } catch (IllegalStateException clientClosed) {
            log.debug("Election at {} ends: {}", line.parent(), clientClosed.getMessage());
        } finally {
            term = null;
            client.removeListener(stateListener);
            signals.markFinished();
            ctx.shutdown();
        }
    }

    private void runLoop() {
        while (true) {
            Membership m = join();
            if (m == null) {
                return;
            }
            Exit exit = follow(m);
            line.leave(m.ticket());
            log.debug("Left {} ({})", m.ticket().path(), exit);
            switch (exit) {
                case CLOSE -> {
                    return;
                }
                case RESIGN -> signals.markResigned();
                case GIVE_UP -> {
                    if (!idle()) {
                        return;
                    }
                }
                case REJOIN -> { }
            }
        }
    }

    /** Joins at the back of the line, retrying with backoff; {@code null} once closing. */
    private Membership join() {
        for (int attempt = 1; ; attempt++) {
            long seen = signals.wakes();
            if (signals.closeRequested()) {
                return null;
            }
            try {
                Ticket ticket = line.join(PREFIX, ctx.content());
                Membership m = new Membership(ticket, this::wakeFrom);
                member = m;
                // sets the watch on our own node now, so that it is in place (and its reply
                // usually back) by the time this participant is first: fail-over needs no request
                m.verify(client);
                log.debug("Joined as {}", ticket);
                return m;
            } catch (KeeperException e) {
                if (e.code() != KeeperException.Code.SESSIONEXPIRED && !ZkClient.isRetryable(e.code())) {
                    // refused (permissions, ACL): retrying cannot help; end and report it
                    refusal = new ZkRecipeException("join the election at " + line.parent(), e);
                    log.error("Gave up the election at {}: {}", line.parent(), refusal.getMessage());
                    signals.wake(true);
                    return null;
                }
                log.debug("Joining {} again once connected (attempt {}): {}", line.parent(), attempt, e.code());
                nap(seen, Math.min(NAP_MILLIS, 50L << Math.min(attempt, 5)));
            } catch (InterruptedException e) {
                // wake-up signal (see class comment): re-read the flags
            }
        }
    }

    /** Follows one node until the participant must leave it. */
    private Exit follow(Membership m) {
        boolean led = false;
        while (true) {
            long seen = wakes();
            Exit stop = pending(m, led);
            if (stop != null) {
                return stop;
            }
            if (!firstInLine(m)) {
                continue;
            }
            if (!client.isConnected()) {
                nap(seen, NAP_MILLIS); // suspended: keep the node, wait for the connection
                continue;
            }
            if (!m.isVerified()) {
                m.verify(client); // after a disconnection: is our node still ours? (one read)
                nap(seen, NAP_MILLIS);
                continue;
            }
            led = true;
            LeadEnd end = lead(m);
            if (end == LeadEnd.TASK_DONE || (end == LeadEnd.STEPPED_DOWN && ctx.task() != null)) {
                if (pending(m, true) == null && !ctx.autoRequeue()) {
                    return Exit.GIVE_UP;
                }
                if (end == LeadEnd.TASK_DONE && pending(m, true) == null) {
                    return Exit.REJOIN;
                }
            }
        }
    }

    private Exit pending(Membership m, boolean led) {
        if (signals.closeRequested()) {
            return Exit.CLOSE;
        }
        if (signals.resignPending()) {
            return Exit.RESIGN;
        }
        if (m.isGone()) {
            return led && ctx.task() != null && !ctx.autoRequeue() ? Exit.GIVE_UP : Exit.REJOIN;
        }
        return null;
    }

    /** Waits in line; {@code true} once first, {@code false} when woken or on failure. */
    private boolean firstInLine(Membership m) {
        if (!signals.enterLine(() -> urgent(m))) {
            return false;
        }
        try {
            return line.awaitTurn(m.ticket(), FAR);
        } catch (InterruptedException e) {
            return false; // wake-up signal (see class comment)
        } catch (KeeperException e) {
            if (e.code() == KeeperException.Code.SESSIONEXPIRED) {
                m.markGone();
            } else {
                log.warn("Waiting in the election at {} failed: {}", line.parent(), e.code());
                signals.nap(signals.wakes(), NAP_MILLIS);
            }
            return false;
        } finally {
            signals.leaveLine();
        }
    }

    /** Leads until a request, the node's loss, a step-down or the task's end; tells the listeners. */
    private LeadEnd lead(Membership m) {
        Term t = new Term(m, m.epoch());
        synchronized (signals.lock()) { // published atomically with the check for requests
            if (urgent(m)) {
                return LeadEnd.REQUEST_OR_GONE;
            }
            term = t;
        }
        signals.wake(false);
        log.debug("Leading in epoch {} with {}", t.epoch(), m.ticket().path());
        ctx.notifyGained(t.epoch());
        TaskRun run = ctx.task() == null ? null : ctx.startTask(new TaskRun(ctx.task(), t.epoch(), () -> wake(false)));
        try {
            return leadUntilEnd(t, run);
        } finally {
            synchronized (signals.lock()) {
                if (term == t) {
                    term = null;
                }
            }
            signals.wake(false);
            if (run != null) {
                run.stop();
                awaitTask(run);
            }
            ctx.notifyLost();
        }
    }

    private LeadEnd leadUntilEnd(Term t, TaskRun run) {
        Membership m = t.member();
        while (true) {
            long seen = wakes();
            if (urgent(m)) {
                return LeadEnd.REQUEST_OR_GONE;
            }
            if (!valid(t)) {
                return LeadEnd.STEPPED_DOWN;
            }
            if (run != null && run.isDone()) {
                return LeadEnd.TASK_DONE;
            }
            if (!m.isVerified() && client.isConnected()) {
                m.verify(client); // leading through a suspension: check the node after it
            }
            nap(seen, NAP_MILLIS);
        }
    }

    /**
     * Whether {@code t} is a term this participant may report: not closing, its node not gone and
     * owned by the current session, and (unless step-down is disabled) connected, with the node
     * verified since the last disconnection.
     */
    private boolean valid(Term t) {
        if (t == null || signals.closeRequested()) {
            return false;
        }
        Membership m = t.member();
        if (m.isGone() || m.ticket().sessionId() != client.sessionId()) {
            return false;
        }
        return !ctx.stepDownOnSuspended() || (m.isVerified() && client.isConnected());
    }

    private boolean urgent(Membership m) {
        return signals.requestPending() || m.isGone();
    }

    private void awaitTask(TaskRun run) {
        while (true) {
            long seen = wakes();
            if (run.isDone()) {
                return;
            }
            nap(seen, NAP_MILLIS);
        }
    }

    /** Out of the line after the task ended without auto-requeue: waits for resign (true) or close. */
    private boolean idle() {
        while (true) {
            long seen = signals.wakes();
            if (signals.closeRequested()) {
                return false;
            }
            if (signals.markResigned()) {
                return true;
            }
            signals.nap(seen, NAP_MILLIS);
        }
    }

    private void stateChanged(ZkClient c, ConnectionState state) {
        if (state == ConnectionState.CLOSED) {
            close(false);
        } else {
            wake(false);
        }
    }

    private void wakeFrom(Membership m, boolean urgent) {
        if (m == member) {
            wake(urgent);
        }
    }

    private void wake(boolean urgent) {
        signals.wake(urgent);
    }

    private long wakes() {
        return signals.wakes();
    }

    private void nap(long seen, long millis) {
        signals.nap(seen, millis);
    }
}
