package io.zkrecipes.election;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.Ticket;
import io.zkrecipes.core.WaitingLine;
import io.zkrecipes.core.ZkClient;
import java.util.OptionalLong;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The participant's own thread: joins the line, waits for its turn, leads while it may, and joins
 * again after its node is gone. {@link LeaderElection} is a shell over it.
 *
 * <p>This thread is private, and interrupts are its wake-up signal: {@link #wake} interrupts it only
 * while it waits in line (the only wait that watches nothing but ZooKeeper), never while it creates
 * or deletes a node, and every other wait is on {@link #lock}. An interrupt caught here is that signal.
 */
final class Campaign implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Campaign.class);
    private static final String PREFIX = "member-";
    private static final long NAP_MILLIS = 1000;
    private static final long FAR = Long.MAX_VALUE / 4;

    /** Why a participant stopped following one node. */
    private enum Exit { CLOSE, RESIGN, REJOIN, GIVE_UP }

    /** Why a leadership spell ended. */
    private enum LeadEnd { REQUEST_OR_GONE, STEPPED_DOWN, TASK_DONE }

    private record Term(Membership member, long epoch) {
    }

    private final ElectionContext ctx;
    private final ZkClient client;
    private final WaitingLine line;
    private final Object lock = new Object();
    private final ConnectionStateListener stateListener = this::stateChanged;
    private final Thread thread;
    private boolean inLine;
    private long wakes;
    private volatile boolean closeRequested;
    private long resignsRequested;
    private long resignsDone;
    private volatile boolean finished;
    private volatile Membership member;
    private volatile Term term;

    Campaign(ElectionContext ctx) {
        this.ctx = ctx;
        this.client = ctx.client();
        this.line = ctx.line();
        this.thread = new Thread(this, "zk-election-" + ctx.id());
        this.thread.setDaemon(true);
    }

    void start() {
        client.addListener(stateListener);
        thread.start();
    }

    /** The current term if this participant leads right now (see {@link #valid}). */
    OptionalLong epoch() {
        Term t = term;
        return valid(t) ? OptionalLong.of(t.epoch()) : OptionalLong.empty();
    }

    /** The node of the current term if it leads right now, else {@code null}. */
    String leaderNode() {
        Term t = term;
        return valid(t) ? t.member().ticket().path() : null;
    }

    /** Waits until leading or the deadline; {@code false} at the deadline. */
    boolean awaitLeadership(long deadlineNanos) throws InterruptedException {
        synchronized (lock) {
            while (!valid(term)) {
                if (closeRequested) {
                    throw new IllegalStateException("election at " + line.parent() + " was closed while waiting");
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, Math.min(NAP_MILLIS, left / 1_000_000)));
            }
            return true;
        }
    }

    /** Asks the participant to leave for good; with {@code await}, waits until its node is deleted. */
    void close(boolean await) {
        synchronized (lock) {
            closeRequested = true;
            term = null;
            wakeLocked(true);
        }
        if (await && !ctx.isOwnThread(thread)) {
            awaitUninterruptibly(thread);
        }
    }

    /** Asks the participant to give up its place; with {@code await}, waits until its node is deleted. */
    void resign(boolean await) {
        long mine;
        synchronized (lock) {
            mine = ++resignsRequested;
            term = null;
            wakeLocked(true);
        }
        if (!await || ctx.isOwnThread(thread)) {
            return;
        }
        synchronized (lock) {
            while (resignsDone < mine && !finished) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void run() {
        try {
            runLoop();
        } catch (IllegalStateException clientClosed) {
            log.debug("Election at {} ends: {}", line.parent(), clientClosed.getMessage());
        } finally {
            term = null;
            client.removeListener(stateListener);
            synchronized (lock) {
                finished = true;
                lock.notifyAll();
            }
            ctx.shutdown();
        }
    }

    private void runLoop() {
        while (true) {
            Membership m = join();
            if (m == null) {
                return;
            }
            Exit exit = follow(m);
            line.leave(m.ticket());
            log.debug("Left {} ({})", m.ticket().path(), exit);
            switch (exit) {
                case CLOSE -> {
                    return;
                }
                case RESIGN -> markResigned();
                case GIVE_UP -> {
                    if (!idle()) {
                        return;
                    }
                }
                case REJOIN -> { }
            }
        }
    }

    /** Joins at the back of the line, retrying with backoff; {@code null} once closing. */
    private Membership join() {
        for (int attempt = 1; ; attempt++) {
            long seen = wakes();
            if (closeRequested) {
                return null;
            }
            try {
                Ticket ticket = line.join(PREFIX, ctx.content());
                Membership m = new Membership(ticket, this::wakeFrom);
                member = m;
                // sets the watch on our own node now, so that it is in place (and its reply
                // usually back) by the time this participant is first: fail-over needs no request
                m.verify(client);
                log.debug("Joined as {}", ticket);
                return m;
            } catch (KeeperException e) {
                if (e.code() == KeeperException.Code.SESSIONEXPIRED || ZkClient.isRetryable(e.code())) {
                    log.debug("Joining {} again once connected (attempt {}): {}", line.parent(), attempt, e.code());
                } else {
                    log.warn("Could not join the election at {} (attempt {}): {}", line.parent(), attempt, e.code());
                }
                nap(seen, Math.min(NAP_MILLIS, 50L << Math.min(attempt, 5)));
            } catch (InterruptedException e) {
                // wake-up signal (see class comment): re-read the flags
            }
        }
    }

    /** Follows one node until the participant must leave it. */
    private Exit follow(Membership m) {
        boolean led = false;
        while (true) {
            long seen = wakes();
            Exit stop = pending(m, led);
            if (stop != null) {
                return stop;
            }
            if (!firstInLine(m)) {
                continue;
            }
            if (!client.isConnected()) {
                nap(seen, NAP_MILLIS); // suspended: keep the node, wait for the connection
                continue;
            }
            if (!m.isVerified()) {
                m.verify(client); // after a disconnection: is our node still ours? (one read)
                nap(seen, NAP_MILLIS);
                continue;
            }
            led = true;
            LeadEnd end = lead(m);
            if (end == LeadEnd.TASK_DONE || (end == LeadEnd.STEPPED_DOWN && ctx.task() != null)) {
                if (pending(m, true) == null && !ctx.autoRequeue()) {
                    return Exit.GIVE_UP;
                }
                if (end == LeadEnd.TASK_DONE && pending(m, true) == null) {
                    return Exit.REJOIN;
                }
            }
        }
    }

    private Exit pending(Membership m, boolean led) {
        synchronized (lock) {
            if (closeRequested) {
                return Exit.CLOSE;
            }
            if (resignsRequested > resignsDone) {
                return Exit.RESIGN;
            }
        }
        if (m.isGone()) {
            return led && ctx.task() != null && !ctx.autoRequeue() ? Exit.GIVE_UP : Exit.REJOIN;
        }
        return null;
    }

    /** Waits in line; {@code true} once first, {@code false} when woken or on failure. */
    private boolean firstInLine(Membership m) {
        synchronized (lock) {
            if (urgent(m)) {
                return false;
            }
            inLine = true;
        }
        try {
            return line.awaitTurn(m.ticket(), FAR);
        } catch (InterruptedException e) {
            return false; // wake-up signal (see class comment)
        } catch (KeeperException e) {
            if (e.code() == KeeperException.Code.SESSIONEXPIRED) {
                m.markGone();
            } else {
                log.warn("Waiting in the election at {} failed: {}", line.parent(), e.code());
                nap(wakes(), NAP_MILLIS);
            }
            return false;
        } finally {
            synchronized (lock) {
                inLine = false;
                Thread.interrupted(); // a wake-up that came late must not hit the next request
            }
        }
    }

    /** Leads until a request, the node's loss, a step-down or the task's end; tells the listeners. */
    private LeadEnd lead(Membership m) {
        Term t = new Term(m, m.epoch());
        synchronized (lock) {
            if (urgent(m)) {
                return LeadEnd.REQUEST_OR_GONE;
            }
            term = t;
            lock.notifyAll();
        }
        log.debug("Leading in epoch {} with {}", t.epoch(), m.ticket().path());
        ctx.notifyGained(t.epoch());
        TaskRun run = ctx.task() == null ? null : ctx.startTask(new TaskRun(ctx.task(), t.epoch(), () -> wake(false)));
        try {
            return leadUntilEnd(t, run);
        } finally {
            synchronized (lock) {
                if (term == t) {
                    term = null;
                }
                lock.notifyAll();
            }
            if (run != null) {
                run.stop();
                awaitTask(run);
            }
            ctx.notifyLost();
        }
    }

    private LeadEnd leadUntilEnd(Term t, TaskRun run) {
        Membership m = t.member();
        while (true) {
            long seen = wakes();
            if (urgent(m)) {
                return LeadEnd.REQUEST_OR_GONE;
            }
            if (!valid(t)) {
                return LeadEnd.STEPPED_DOWN;
            }
            if (run != null && run.isDone()) {
                return LeadEnd.TASK_DONE;
            }
            if (!m.isVerified() && client.isConnected()) {
                m.verify(client); // leading through a suspension: check the node after it
            }
            nap(seen, NAP_MILLIS);
        }
    }

    /**
     * Whether {@code t} is a term this participant may report: not closing, its node not gone and
     * owned by the current session, and (unless step-down is disabled) connected, with the node
     * verified since the last disconnection.
     */
    private boolean valid(Term t) {
        if (t == null || closeRequested) {
            return false;
        }
        Membership m = t.member();
        if (m.isGone() || m.ticket().sessionId() != client.sessionId()) {
            return false;
        }
        return !ctx.stepDownOnSuspended() || (m.isVerified() && client.isConnected());
    }

    private boolean urgent(Membership m) {
        synchronized (lock) {
            return closeRequested || resignsRequested > resignsDone || m.isGone();
        }
    }

    private void awaitTask(TaskRun run) {
        while (true) {
            long seen = wakes();
            if (run.isDone()) {
                return;
            }
            nap(seen, NAP_MILLIS);
        }
    }

    /** Out of the line after the task ended without auto-requeue: waits for resign (true) or close. */
    private boolean idle() {
        while (true) {
            long seen = wakes();
            synchronized (lock) {
                if (closeRequested) {
                    return false;
                }
                if (resignsRequested > resignsDone) {
                    resignsDone = resignsRequested;
                    lock.notifyAll();
                    return true;
                }
            }
            nap(seen, NAP_MILLIS);
        }
    }

    private void markResigned() {
        synchronized (lock) {
            resignsDone = resignsRequested;
            lock.notifyAll();
        }
    }

    private void stateChanged(ZkClient c, ConnectionState state) {
        if (state == ConnectionState.CLOSED) {
            close(false);
        } else {
            wake(false);
        }
    }

    private void wakeFrom(Membership m, boolean urgent) {
        if (m == member) {
            wake(urgent);
        }
    }

    private void wake(boolean urgent) {
        synchronized (lock) {
            wakeLocked(urgent);
        }
    }

    private void wakeLocked(boolean urgent) {
        wakes++;
        lock.notifyAll();
        if (urgent && inLine) {
            thread.interrupt();
        }
    }

    private long wakes() {
        synchronized (lock) {
            return wakes;
        }
    }

    /** Waits until woken after {@code seen}, at most {@code millis}. */
    private void nap(long seen, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        synchronized (lock) {
            long left;
            while (wakes == seen && (left = deadline - System.nanoTime()) > 0) {
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    return; // wake-up signal (see class comment)
                }
            }
        }
    }

    private static void awaitUninterruptibly(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
