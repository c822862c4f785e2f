package io.zkrecipes.lock;

import io.zkrecipes.core.BlockRule;
import io.zkrecipes.core.Ticket;
import io.zkrecipes.core.WaitingLine;
import io.zkrecipes.core.ZkRecipeException;
import org.apache.zookeeper.KeeperException;

/**
 * Grants by turn in a {@link WaitingLine}: join (create and list pipelined, one round trip), wait
 * for the nearest blocker ahead to go (watched with getData, so a hand-off needs no request), and
 * release with one delete. A session expiry while waiting re-joins at the back, within the deadline.
 */
final class LineGrantor implements Grantor {
    private final WaitingLine line;
    private final BlockRule rule;
    private final String prefix;

    LineGrantor(WaitingLine line, BlockRule rule, String prefix) {
        this.line = line;
        this.rule = rule;
        this.prefix = prefix;
    }

    @Override
    public Claim acquire(long deadlineNanos, boolean tryOnly) throws InterruptedException {
        while (true) {
            Ticket ticket = Joiner.join(line, prefix);
            try {
                if (awaitTurn(ticket, deadlineNanos, tryOnly)) {
                    return new Claim(ticket.path(), ticket.czxid(), ticket.sessionId(), () -> line.leave(ticket));
                }
                line.leave(ticket);
                return null;
            } catch (KeeperException e) {
                if (e.code() != KeeperException.Code.SESSIONEXPIRED) {
                    ZkRecipeException failure = new ZkRecipeException("acquire lock " + line.parent(), e);
                    Joiner.leaveAfter(line, ticket, failure);
                    throw failure;
                }
                if (tryOnly || Waits.passed(deadlineNanos)) {
                    return null; // our node went with the old session
                }
            } catch (InterruptedException | RuntimeException e) {
                Joiner.leaveAfter(line, ticket, e);
                throw e;
            }
        }
    }

    private boolean awaitTurn(Ticket ticket, long deadlineNanos, boolean tryOnly)
            throws KeeperException, InterruptedException {
        if (tryOnly) {
            // the join's listing already tells: no request needed
            return rule.nearestBlocker(ticket.name(), ticket.ahead()) == null;
        }
        return line.awaitTurn(ticket, deadlineNanos);
    }

    long wakeups() {
        return line.wakeups();
    }
}
