package io.zkrecipes.lock;

import io.zkrecipes.core.Ticket;
import io.zkrecipes.core.WaitingLine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.zookeeper.KeeperException;

/**
 * Joins a {@link WaitingLine} so that an interrupt never leaves an orphan: the join runs on a
 * background thread (which no caller interrupts); a caller interrupted meanwhile returns at once
 * and the ticket, once known, leaves the line.
 */
final class Joiner {
    private static final byte[] NO_DATA = new byte[0];

    private Joiner() {
    }

    static Ticket join(WaitingLine line, String prefix) throws KeeperException, InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before joining " + line.parent());
        }
        CompletableFuture<Ticket> joined = CompletableFuture.supplyAsync(() -> {
            try {
                return line.join(prefix, NO_DATA);
            } catch (KeeperException e) {
                throw new CompletionException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        }, Background.EXECUTOR);
        try {
            return joined.get();
        } catch (InterruptedException e) {
            // the create may be applied after we stop waiting: leave as soon as the ticket is known
            joined.thenAcceptAsync(line::leave, Background.EXECUTOR);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof KeeperException ke) {
                throw ke;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("join the line of " + line.parent(), cause);
        }
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
