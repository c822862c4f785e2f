package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.WaitingLine;
import io.zkrecipes.core.ZkClient;
import org.apache.zookeeper.KeeperException;

/**
 * Grants by turn in a {@link WaitingLine}: join (create and list pipelined, one round trip), wait
 * for the nearest blocker ahead to go (watched with getData, so a hand-off needs no request), and
 * release with one multi that marks and deletes the node (so the next waiter needs no request). A session expiry while waiting re-joins at the back, within the deadline.
 */
final class LineGrantor implements Grantor {
    private final ZkClient client;
    private final WaitingLine line;
    private final String prefix;

    LineGrantor(ZkClient client, WaitingLine line, String prefix) {
        this.client = client;
        this.line = line;
        this.prefix = prefix;
    }

    @Override
    public Claim acquire(long deadlineNanos, boolean tryOnly) throws InterruptedException {
        // a session expiry takes our node with it: join again on the new session
        return Lines.rejoiningOnExpiry(client, this::once, deadlineNanos, tryOnly, "acquire lock " + line.parent());
    }

    /** Joins and waits for the turn; leaves the line unless granted. */
    private Claim once(long deadlineNanos, boolean tryOnly) throws KeeperException, InterruptedException {
        Ticket ticket = line.join(prefix, Lines.NO_DATA);
        try {
            if (awaitTurn(ticket, deadlineNanos, tryOnly)) {
                return new Claim(ticket.path(), ticket.czxid(), ticket.sessionId(), () -> line.leave(ticket));
            }
            line.leave(ticket);
            return null;
        } catch (KeeperException | InterruptedException | RuntimeException e) {
            Lines.leaveAfter(line, ticket, e);
            throw e;
        }
    }

    private boolean awaitTurn(Ticket ticket, long deadlineNanos, boolean tryOnly)
            throws KeeperException, InterruptedException {
        if (tryOnly) {
            // the join's listing already tells: no request needed
            return line.tryTurn(ticket);
        }
        return line.awaitTurn(ticket, deadlineNanos);
    }

    long wakeups() {
        return line.wakeups();
    }
}
