package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Ticket;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * One node of a participant in the election line, and the watch on that node.
 *
 * <p>The data watch on our own node is what keeps leadership honest: ZooKeeper hands connection
 * events to every registered watcher on its event thread, in order, so a disconnection is counted
 * here before any later reconnection can be seen, and a deletion of the node (by an administrator,
 * or with the election's parent) is noticed at once. The node is "verified" when a read has found it
 * owned by its session and no disconnection has been counted since.
 */
final class Membership implements Watcher {
    private final Ticket ticket;
    private final BiConsumer<Membership, Boolean> wake;
    private volatile boolean gone;
    private volatile long disconnects;
    private volatile long verifiedAt = -1;
    private CompletableFuture<Void> verifying;

    /** @param wake called on the event thread on every change, with {@code true} when the node is gone */
    Membership(Ticket ticket, BiConsumer<Membership, Boolean> wake) {
        this.ticket = ticket;
        this.wake = wake;
    }

    Ticket ticket() {
        return ticket;
    }

    /** The leadership term this node gives: its czxid. */
    long epoch() {
        return ticket.czxid();
    }

    /** Whether the node was deleted or its session expired: the participant must join again. */
    boolean isGone() {
        return gone;
    }

    /** Whether the node was seen owned by its session, with no disconnection since. */
    boolean isVerified() {
        return !gone && verifiedAt == disconnects;
    }

    /**
     * Reads the node with this watch set, unless a read is already in flight; completes when the
     * outcome is known (the node may then be verified, gone, or neither after a connection loss).
     * Never blocks.
     */
    synchronized CompletableFuture<Void> verify(ZkClient client) {
        if (verifying != null && !verifying.isDone()) {
            return verifying;
        }
        long mark = disconnects;
        verifying = Session.of(client).ops().getData(ticket.path(), this).handle((data, failure) -> {
            if (failure == null) {
                if (data.stat().getEphemeralOwner() == ticket.sessionId()) {
                    verifiedAt = mark;
                } else {
                    markGone();
                }
            } else if (AsyncOps.codeOf(failure) == KeeperException.Code.NONODE
                    || AsyncOps.codeOf(failure) == KeeperException.Code.SESSIONEXPIRED) {
                markGone();
            }
            wake.accept(this, false);
            return null;
        });
        return verifying;
    }

    @Override
    public void process(WatchedEvent event) {
        switch (event.getType()) {
            case None -> {
                switch (event.getState()) {
                    case Disconnected -> {
                        disconnects++; // only the event thread writes it
                        wake.accept(this, false);
                    }
                    case Expired, Closed -> markGone();
                    default -> wake.accept(this, false);
                }
            }
            case NodeDeleted -> markGone();
            default -> {
                verifiedAt = -1; // the one-shot watch fired: read again to set it again
                wake.accept(this, false);
            }
        }
    }

    /** Marks the node gone (its session expired or it was deleted) and wakes the participant. */
    void markGone() {
        gone = true;
        wake.accept(this, true);
    }

    @Override
    public String toString() {
        return "Membership[" + ticket + (gone ? ", gone" : "") + "]";
    }
}
