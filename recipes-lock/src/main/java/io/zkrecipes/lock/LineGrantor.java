package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.WaitingLine;
import org.apache.zookeeper.KeeperException;

/**
 * Grants by turn in a {@link WaitingLine}: join (create and list pipelined, one round trip), wait
 * for the nearest blocker ahead to go (watched with getData, so a hand-off needs no request), and
 * release with one multi that marks and deletes the node (so the next waiter needs no request). A
 * session expiry while waiting re-joins at the back, within the deadline.
 */
final class LineGrantor implements Grantor {
    private final Session session;
    private final WaitingLine line;
    private final String prefix;

    LineGrantor(Session session, WaitingLine line, String prefix) {
        this.session = session;
        this.line = line;
        this.prefix = prefix;
    }

    @Override
    public Claim acquire(Deadline deadline, boolean tryOnly) throws InterruptedException {
        // a session expiry takes our node with it: join again on the new session
        return Lines.rejoiningOnExpiry(session, this::once, deadline, tryOnly, "acquire lock " + line.parent());
    }

    /** Joins and waits for the turn; leaves the line unless granted (the join itself leaves nothing on failure). */
    private Claim once(Deadline deadline, boolean tryOnly) throws KeeperException, InterruptedException {
        Ticket ticket = line.join(prefix, Lines.NO_DATA, deadline);
        boolean granted = false;
        try {
            // a try needs no request: the join's listing already tells
            granted = tryOnly ? line.tryTurn(ticket) : line.awaitTurn(ticket, deadline);
            return granted ? new Claim(ticket.path(), ticket.czxid(), ticket.sessionId(), () -> line.leave(ticket)) : null;
        } finally {
            if (!granted) {
                line.leave(ticket); // also on interrupt, failure or close: unknown outcomes go to the cleanup path
            }
        }
    }

    /** Watch notifications this lock's waiters received (one per release they waited on). */
    long wakeups() {
        return line.wakeups();
    }
}
