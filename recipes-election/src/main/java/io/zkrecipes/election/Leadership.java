package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leading step of a {@link Campaign}: publishes the term, tells the listeners, runs the
 * leader's task, and holds leadership until a request, the node's loss, a step-down or the task's
 * end. Also answers, from any thread, whether the participant leads right now.
 */
final class Leadership {
    private static final Logger log = LoggerFactory.getLogger(Leadership.class);

    /** Why a leadership spell ended. */
    enum End { REQUEST_OR_GONE, STEPPED_DOWN, TASK_DONE }

    private record Term(Membership member, long epoch) {
    }

    private final ElectionContext ctx;
    private final ZkClient client;
    private final Signals signals;
    private volatile Term term;

    Leadership(ElectionContext ctx, Signals signals) {
        this.ctx = ctx;
        this.client = ctx.client();
        this.signals = signals;
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

    boolean isLeading() {
        return valid(term);
    }

    /** Forgets the term (on close, resign or the end of the campaign). */
    void clear() {
        term = null;
    }

    /** Whether a request or the node's loss must end waiting or leading with {@code m}. */
    boolean urgent(Membership m) {
        return signals.requestPending() || m.isGone();
    }

    /** Leads until a request, the node's loss, a step-down or the task's end; tells the listeners. */
    End lead(Membership m) {
        Term t = new Term(m, m.epoch());
        synchronized (signals.lock()) { // published atomically with the check for requests
            if (urgent(m)) {
                return End.REQUEST_OR_GONE;
            }
            term = t;
        }
        signals.wake(false);
        log.debug("Leading in epoch {} with {}", t.epoch(), m.ticket().path());
        ctx.notifyGained(t.epoch());
        TaskRun run = ctx.task() == null ? null
                : ctx.startTask(new TaskRun(ctx.task(), t.epoch(), () -> signals.wake(false)));
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

    private End leadUntilEnd(Term t, TaskRun run) {
        Membership m = t.member();
        while (true) {
            long seen = signals.wakes();
            if (urgent(m)) {
                return End.REQUEST_OR_GONE;
            }
            if (!valid(t)) {
                return End.STEPPED_DOWN;
            }
            if (run != null && run.isDone()) {
                return End.TASK_DONE;
            }
            if (!m.isVerified() && client.isConnected()) {
                m.verify(client); // leading through a suspension: check the node after it
            }
            signals.nap(seen, Campaign.NAP_MILLIS);
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

    private void awaitTask(TaskRun run) {
        while (true) {
            long seen = signals.wakes();
            if (run.isDone()) {
                return;
            }
            signals.nap(seen, Campaign.NAP_MILLIS);
        }
    }
}
