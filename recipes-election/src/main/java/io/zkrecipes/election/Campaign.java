package io.zkrecipes.election;

import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.WaitingLine;
import java.time.Duration;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The participant's own thread: joins the line ({@link LineJoiner}), waits for its turn
 * ({@link LineFollower}), leads while it may ({@link Leadership}), and joins again after its node
 * is gone. {@link LeaderElection} is a shell over it.
 *
 * <p>The thread is private; {@link Signals} carries the requests made of it and its wake-ups (an
 * interrupt it catches is such a wake-up).
 */
final class Campaign implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Campaign.class);
    /** The longest nap of the thread between two looks at its state. */
    /** How long close() and resign() wait for the leader task to end before they return anyway. */
    static final Duration USER_CODE_WAIT = Duration.ofSeconds(1);
    static final long NAP_MILLIS = 1000;

    private final ElectionContext ctx;
    private final WaitingLine line;
    private final Signals signals = new Signals();
    private final Leadership leadership;
    private final LineJoiner joiner;
    private final LineFollower follower;
    private final ConnectionWatcher connection;
    private final Thread thread;

    Campaign(ElectionContext ctx) {
        this.ctx = ctx;
        this.line = ctx.line();
        this.leadership = new Leadership(ctx, signals);
        this.joiner = new LineJoiner(ctx, signals);
        this.follower = new LineFollower(ctx, signals, leadership);
        this.connection = new ConnectionWatcher(ctx.client(), signals, () -> close(false));
        this.thread = new Thread(this, "zk-election-" + ctx.id());
        this.thread.setDaemon(true);
        signals.owner(thread);
    }

    void start() {
        connection.register();
        thread.start();
    }

    /** The current term if this participant leads right now. */
    OptionalLong epoch() {
        return leadership.epoch();
    }

    /** The node of the current term if it leads right now, else {@code null}. */
    String leaderNode() {
        return leadership.leaderNode();
    }

    /** Waits until leading or the deadline; {@code false} at the deadline. */
    boolean awaitLeadership(long deadlineNanos) throws InterruptedException {
        boolean leading;
        Session session = Session.of(ctx.client());
        // a recipe reaction, inline on the dispatcher: every state change (CLOSED included) re-checks
        ConnectionStateListener wake = (c, state) -> signals.wake(false);
        session.addListener(wake);
        try {
            leading = signals.awaitUntil(() -> leadership.isLeading() || joiner.refusal() != null
                    || requireClientOpen(), deadlineNanos, NAP_MILLIS);
        } catch (IllegalStateException closed) {
            throw new IllegalStateException("election at " + line.parent() + " was closed while waiting");
        } finally {
            session.removeListener(wake);
        }
        ZkRecipeException refusal = joiner.refusal();
        if (refusal != null) {
            throw refusal;
        }
        return leading;
    }

    /**
     * Asks the participant to leave for good; with {@code await}, waits until its node is deleted,
     * but at most {@link #USER_CODE_WAIT}: a leader task that ignores its interrupt keeps the node
     * (and so keeps anyone else from leading) until it returns, on the campaign's own thread.
     */
    void close(boolean await) {
        signals.requestClose(leadership::clear);
        if (await && !ctx.isOwnThread(thread)) {
            try {
                thread.join(USER_CODE_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Asks the participant to give up its place; with {@code await}, waits (at most {@link #USER_CODE_WAIT}) until its node is deleted. */
    void resign(boolean await) {
        long mine = signals.requestResign(leadership::clear);
        if (await && !ctx.isOwnThread(thread)) {
            signals.awaitResigned(mine, System.nanoTime() + USER_CODE_WAIT.toNanos());
        }
    }

    private boolean requireClientOpen() {
        if (ctx.client().isClosed()) {
            throw new IllegalStateException("client is closed");
        }
        return false;
    }

    @Override
    public void run() {
        try {
            runLoop();
        } catch (IllegalStateException clientClosed) {
            log.debug("Election at {} ends: {}", line.parent(), clientClosed.getMessage());
        } finally {
            leadership.clear();
            connection.unregister();
            signals.markFinished();
            ctx.shutdown();
        }
    }

    private void runLoop() {
        while (true) {
            Membership m = joiner.join();
            if (m == null) {
                return;
            }
            LineFollower.Exit exit = follower.follow(m);
            line.leave(m.ticket());
            log.debug("Left {} ({})", m.ticket().path(), exit);
            switch (exit) {
                case CLOSE -> {
                    return;
                }
                case RESIGN -> signals.markResigned();
                case GIVE_UP -> {
                    if (!idle()) {
                        return;
                    }
                }
                case REJOIN -> { }
            }
        }
    }

    /** Out of the line after the task ended without auto-requeue: waits for resign (true) or close. */
    private boolean idle() {
        while (true) {
            long seen = signals.wakes();
            if (signals.closeRequested()) {
                return false;
            }
            if (signals.markResigned()) {
                return true;
            }
            signals.nap(seen, NAP_MILLIS);
        }
    }
}
