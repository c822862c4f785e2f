package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.WaitingLine;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follow step of a {@link Campaign}: waits in line with one node, keeps it through a
 * suspension, checks it after a disconnection, hands over to {@link Leadership} when first, and
 * says why the participant must leave the node.
 */
final class LineFollower {
    private static final Logger log = LoggerFactory.getLogger(LineFollower.class);

    /** Why a participant stopped following one node. */
    enum Exit { CLOSE, RESIGN, REJOIN, GIVE_UP }

    private final ElectionContext ctx;
    private final ZkClient client;
    private final WaitingLine line;
    private final Signals signals;
    private final Leadership leadership;

    LineFollower(ElectionContext ctx, Signals signals, Leadership leadership) {
        this.ctx = ctx;
        this.client = ctx.client();
        this.line = ctx.line();
        this.signals = signals;
        this.leadership = leadership;
    }

    /** Follows one node until the participant must leave it. */
    Exit follow(Membership m) {
        boolean led = false;
        while (true) {
            long seen = signals.wakes();
            Exit stop = pending(m, led);
            if (stop != null) {
                return stop;
            }
            if (!firstInLine(m)) {
                continue;
            }
            if (!client.isConnected()) {
                signals.nap(seen, Campaign.NAP_MILLIS); // suspended: keep the node, wait for the connection
                continue;
            }
            if (!m.isVerified()) {
                m.verify(client); // after a disconnection: is our node still ours? (one read)
                signals.nap(seen, Campaign.NAP_MILLIS);
                continue;
            }
            led = true;
            Exit after = afterLeading(m, leadership.lead(m));
            if (after != null) {
                return after;
            }
        }
    }

    /** What a spell that ended with {@code end} means for the node; {@code null} to keep following. */
    private Exit afterLeading(Membership m, Leadership.End end) {
        if (end == Leadership.End.TASK_DONE || (end == Leadership.End.STEPPED_DOWN && ctx.task() != null)) {
            if (pending(m, true) == null && !ctx.autoRequeue()) {
                return Exit.GIVE_UP;
            }
            if (end == Leadership.End.TASK_DONE && pending(m, true) == null) {
                return Exit.REJOIN;
            }
        }
        return null;
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
        if (!signals.enterLine(() -> leadership.urgent(m))) {
            return false;
        }
        try {
            return line.awaitTurn(m.ticket(), Deadline.none());
        } catch (InterruptedException e) {
            return false; // wake-up signal (see Signals)
        } catch (KeeperException e) {
            if (e.code() == KeeperException.Code.SESSIONEXPIRED) {
                m.markGone();
            } else {
                log.warn("Waiting in the election at {} failed: {}", line.parent(), e.code());
                signals.nap(signals.wakes(), Campaign.NAP_MILLIS);
            }
            return false;
        } finally {
            signals.leaveLine();
        }
    }
}
