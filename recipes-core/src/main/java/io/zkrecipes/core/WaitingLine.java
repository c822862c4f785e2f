package io.zkrecipes.core;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * The line behind every "watch the one before you" recipe (locks, read/write locks, elections).
 *
 * <p>A member joins with an ephemeral sequential node created by {@link ProtectedCreate},
 * pipelined with one listing of the parent (one round trip). It then watches only the nearest
 * member ahead that blocks it under the {@link BlockRule}, with {@code getData} (which leaves no
 * watch behind on a missing node). Members ahead only leave, never arrive.
 *
 * <p>A member whose turn came leaves with one {@code multi} that marks its node released and
 * deletes it. The watcher behind it is told "data changed" and so knows the member left after
 * its turn, when everything that blocked it was already gone: it prunes those from the list it
 * holds and, in the common hand-off, finds itself first without sending any request. A plain
 * deletion (a waiter that gave up, a session that died) tells it nothing about the members
 * further ahead, so then it lists the parent once.
 *
 * <p>Member nodes' data must not be changed by anyone else. Thread-safe; each {@link Ticket} is
 * used by one thread at a time.
 */
public final class WaitingLine {
    private static final byte[] RELEASED = new byte[0];

    private final ZkClient client;
    private final String parent;
    private final BlockRule rule;
    private final AtomicLong wakeups = new AtomicLong();

    public WaitingLine(ZkClient client, String parent, BlockRule rule) {
        this.client = Objects.requireNonNull(client, "client");
        this.parent = ZkPaths.validate(parent, "parent");
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    /** The parent node the members live under. */
    public String parent() {
        return parent;
    }

    /**
     * Joins the line at its back: one round trip in the common case.
     *
     * @param prefix the start of the member's node name (no '_'), which a {@link BlockRule} may read
     */
    public Ticket join(String prefix, byte[] data) throws KeeperException, InterruptedException {
        ProtectedCreate.Result r = ProtectedCreate.createAndList(client, parent, prefix, data,
                CreateMode.EPHEMERAL_SEQUENTIAL);
        Ticket ticket = new Ticket(r.node().path(), r.node().stat(), r.node().stat().getEphemeralOwner(), List.of());
        ticket.replaceAhead(aheadOf(ticket, r.siblings()));
        return ticket;
    }

    /**
     * Waits until no member ahead blocks {@code ticket}. Connection loss alone does not end the
     * wait: ZooKeeper restores the watch on reconnection.
     *
     * @param deadlineNanos a {@link System#nanoTime()} deadline
     * @return {@code true} when it is the member's turn, {@code false} at the deadline
     * @throws KeeperException.SessionExpiredException if the ticket's session ended (re-join)
     * @throws KeeperException              if the ensemble stays unreachable past the retry deadline
     * @throws InterruptedException         if interrupted; the ticket stays in line (call {@link #leave})
     */
    public boolean awaitTurn(Ticket ticket, long deadlineNanos) throws KeeperException, InterruptedException {
        Signal signal = new Signal();
        ConnectionStateListener listener = (c, state) -> signal.fire();
        client.addListener(listener);
        try {
            while (true) {
                requireSession(ticket);
                String blocker = rule.nearestBlocker(ticket.name(), ticket.aheadForUpdate());
                if (blocker == null) {
                    ticket.markGranted();
                    return true;
                }
                switch (watch(ticket, ZkPaths.join(parent, blocker), signal, deadlineNanos)) {
                    case RELEASED -> pruneReleased(ticket, blocker);
                    case GONE -> relist(ticket);
                    case TIMED_OUT -> {
                        return false;
                    }
                }
            }
        } finally {
            client.removeListener(listener);
        }
    }

    /**
     * Whether it is the member's turn by the list it holds, without sending anything: for
     * non-blocking tries right after {@link #join}, whose listing is fresh.
     */
    public boolean tryTurn(Ticket ticket) {
        if (rule.nearestBlocker(ticket.name(), ticket.aheadForUpdate()) != null) {
            return false;
        }
        ticket.markGranted();
        return true;
    }

    /**
     * Leaves the line. After its turn a member leaves with one {@code multi} that marks and deletes
     * its node (see the class comment); before it, with a plain delete. When the outcome is
     * unknown (connection loss), the delete goes on in the background until it is certain.
     */
    public void leave(Ticket ticket) {
        if (client.isClosed() || client.sessionId() != ticket.sessionId()) {
            return; // the node went with its session
        }
        try {
            if (ticket.granted()) {
                AsyncOps.join(client.async().multi(List.of(Op.setData(ticket.path(), RELEASED, -1),
                        Op.delete(ticket.path(), -1))));
            } else {
                AsyncOps.join(client.async().delete(ticket.path(), -1));
            }
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code())) {
                client.backgroundExecutor().execute(new BackgroundDelete(client, ticket.path(), ticket.sessionId()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.backgroundExecutor().execute(new BackgroundDelete(client, ticket.path(), ticket.sessionId()));
        } catch (IllegalStateException closed) {
            // client closed meanwhile: the session and its nodes are gone
        }
    }

    /** The members in line order, first first (one listing). */
    public List<String> members() throws KeeperException, InterruptedException {
        try {
            return Sequences.sorted(client.retry(() -> AsyncOps.join(client.async().getChildren(parent, null))).names());
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    /** Watch notifications this line's waiters have received (one per release they waited on). */
    public long wakeups() {
        return wakeups.get();
    }

    private enum Outcome { RELEASED, GONE, TIMED_OUT }

    private Outcome watch(Ticket ticket, String blocker, Signal signal, long deadlineNanos)
            throws KeeperException, InterruptedException {
        BlockerWatch watch = new BlockerWatch(signal);
        try {
            client.retry(() -> AsyncOps.join(client.async().getData(blocker, watch)));
        } catch (KeeperException.NoNodeException gone) {
            return Outcome.GONE;
        }
        while (watch.event == null) {
            requireSession(ticket);
            if (!signal.await(deadlineNanos) && watch.event == null) {
                client.async().removeWatches(blocker, watch, Watcher.WatcherType.Data);
                return Outcome.TIMED_OUT;
            }
        }
        wakeups.incrementAndGet();
        return watch.event == Watcher.Event.EventType.NodeDataChanged ? Outcome.RELEASED : Outcome.GONE;
    }

    /** The blocker left after its turn: it and everything that blocked it are gone. No request. */
    private void pruneReleased(Ticket ticket, String released) {
        long seq = Sequences.sequence(released);
        ticket.aheadForUpdate().removeIf(other -> other.equals(released)
                || (Sequences.sequence(other) < seq && rule.blocks(released, other)));
    }

    /** The blocker vanished for an unknown reason: learn who is still ahead with one listing. */
    private void relist(Ticket ticket) throws KeeperException, InterruptedException {
        List<String> names = client.retry(() -> {
            try {
                return AsyncOps.join(client.async().getChildren(parent, null)).names();
            } catch (KeeperException e) {
                if (ZkClient.isRetryable(e.code())) {
                    Listings.failIfTooLarge(client, parent, ticket.name());
                }
                throw e;
            }
        });
        ticket.replaceAhead(aheadOf(ticket, names));
    }

    private static List<String> aheadOf(Ticket ticket, List<String> names) {
        long mine = Sequences.sequence(ticket.name());
        return Sequences.sorted(names).stream().filter(n -> Sequences.sequence(n) < mine).toList();
    }

    private void requireSession(Ticket ticket) throws KeeperException {
        if (client.sessionId() != ticket.sessionId()) {
            throw KeeperException.create(KeeperException.Code.SESSIONEXPIRED, ticket.path());
        }
    }

    /** Wakes the waiting thread on a watch event or any connection state change. */
    private static final class Signal {
        private long version;
        private long seen;

        synchronized void fire() {
            version++;
            notifyAll();
        }

        /** Waits for a fire not seen yet; returns false at the deadline. */
        synchronized boolean await(long deadlineNanos) throws InterruptedException {
            while (version == seen) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            seen = version;
            return true;
        }
    }

    /** A one-shot data watch on a blocker; ignores connection events, which the line handles. */
    private static final class BlockerWatch implements Watcher {
        private final Signal signal;
        private volatile Event.EventType event;

        BlockerWatch(Signal signal) {
            this.signal = signal;
        }

        @Override
        public void process(WatchedEvent e) {
            if (e.getType() != Event.EventType.None) {
                event = e.getType();
                signal.fire();
            }
        }
    }
}
