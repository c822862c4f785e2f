package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hold of a lock by this process: its node, token and session, whether it is still held,
 * and the loss callbacks of its leases. Thread-safe.
 */
final class Grant {
    private static final Logger log = LoggerFactory.getLogger(Grant.class);

    private enum State { HELD, LOST, RELEASED }

    private final ZkClient client;
    private final Session session;
    private final Executor callbackLane;
    private final String lockPath;
    private final Grantor.Claim claim;
    private final boolean keepWhileSuspended;
    private final AtomicReference<State> state = new AtomicReference<>(State.HELD);
    private final List<Runnable> callbacks = new ArrayList<>();

    Grant(ZkClient client, Executor callbackLane, String lockPath, Grantor.Claim claim, boolean keepWhileSuspended) {
        this.client = client;
        this.session = Session.of(client);
        this.callbackLane = callbackLane;
        this.lockPath = lockPath;
        this.claim = claim;
        this.keepWhileSuspended = keepWhileSuspended;
    }

    String lockPath() {
        return lockPath;
    }

    String nodePath() {
        return claim.nodePath();
    }

    long token() {
        return claim.token();
    }

    long sessionId() {
        return claim.sessionId();
    }

    ZkClient client() {
        return client;
    }

    /**
     * Held, its session still live (the core session model: not past the session timeout while
     * disconnected), and connected unless kept through SUSPENDED.
     */
    boolean isValid() {
        return state.get() == State.HELD && session.sessionId() == claim.sessionId()
                && (keepWhileSuspended || session.isConnected());
    }

    boolean isLost() {
        return state.get() == State.LOST;
    }

    /** Marks the hold lost and runs its callbacks, once; no-op if released or lost already. */
    void markLost(String why) {
        if (!state.compareAndSet(State.HELD, State.LOST)) {
            return;
        }
        log.warn("Lock {} lost ({}): holder node {}", lockPath, why, claim.nodePath());
        List<Runnable> toRun;
        synchronized (callbacks) {
            toRun = List.copyOf(callbacks);
            callbacks.clear();
        }
        toRun.forEach(this::runLater);
    }

    /** Runs {@code callback} on the lock's callback lane on loss; at once if the hold is lost already. */
    void onLost(Runnable callback) {
        synchronized (callbacks) {
            if (state.get() != State.LOST) {
                callbacks.add(callback);
                return;
            }
        }
        runLater(callback);
    }

    private void runLater(Runnable callback) {
        try {
            callbackLane.execute(() -> runQuietly(callback));
        } catch (RejectedExecutionException closed) {
            runQuietly(callback); // the client closed: nothing else runs on its lanes any more
        }
    }

    /** Gives the hold back (deletes its node); later calls do nothing. */
    void release() {
        State previous = state.getAndSet(State.RELEASED);
        if (previous != State.RELEASED) {
            synchronized (callbacks) {
                callbacks.clear();
            }
            claim.releaser().run();
        }
    }

    private static void runQuietly(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.warn("Lock loss callback {} failed", callback, e);
        }
    }

    @Override
    public String toString() {
        return "Grant[" + claim.nodePath() + ", token=" + claim.token() + ", " + state.get() + "]";
    }
}
