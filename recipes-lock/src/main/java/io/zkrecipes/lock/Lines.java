package io.zkrecipes.lock;

import io.zkrecipes.core.Ticket;
import io.zkrecipes.core.WaitingLine;

/** Small helpers for the locks built on core's {@link WaitingLine}. */
final class Lines {
    /** Lock members carry no data: the node name and its session say everything. */
    static final byte[] NO_DATA = new byte[0];

    private Lines() {
    }

    /** Leaves the line, adding any cleanup failure to {@code first} instead of hiding it. */
    static void leaveAfter(WaitingLine line, Ticket ticket, Throwable first) {
        try {
            line.leave(ticket);
        } catch (RuntimeException e) {
            first.addSuppressed(e);
        }
    }
}
