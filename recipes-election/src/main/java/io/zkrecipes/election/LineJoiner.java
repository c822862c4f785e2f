package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.WaitingLine;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join step of a {@link Campaign}: creates the participant's node at the back of the line,
 * retrying with backoff, and ends the campaign if the server refuses the join. Membership watch
 * events wake the campaign only for the node it follows now.
 */
final class LineJoiner {
    private static final Logger log = LoggerFactory.getLogger(LineJoiner.class);
    private static final String PREFIX = "member-";

    private final ElectionContext ctx;
    private final ZkClient client;
    private final WaitingLine line;
    private final Signals signals;
    private volatile Membership member;
    /** Set when the server refused to let this participant join (permissions): the campaign is over. */
    private volatile ZkRecipeException refusal;

    LineJoiner(ElectionContext ctx, Signals signals) {
        this.ctx = ctx;
        this.client = ctx.client();
        this.line = ctx.line();
        this.signals = signals;
    }

    /** The reason the server refused the join, or {@code null}. */
    ZkRecipeException refusal() {
        return refusal;
    }

    /** Joins at the back of the line, retrying with backoff; {@code null} once closing or refused. */
    Membership join() {
        for (int attempt = 1; ; attempt++) {
            long seen = signals.wakes();
            if (signals.closeRequested()) {
                return null;
            }
            try {
                Ticket ticket = line.join(PREFIX, ctx.content(), Deadline.none());
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
                signals.nap(seen, Math.min(Campaign.NAP_MILLIS, 50L << Math.min(attempt, 5)));
            } catch (InterruptedException e) {
                // wake-up signal (see Signals): re-read the flags
            }
        }
    }

    private void wakeFrom(Membership m, boolean urgent) {
        if (m == member) {
            signals.wake(urgent);
        }
    }
}
