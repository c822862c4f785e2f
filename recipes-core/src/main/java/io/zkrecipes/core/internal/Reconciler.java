package io.zkrecipes.core.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one recipe object's "bring ZooKeeper in line with what is wanted" step on the client's
 * worker pool, one run at a time; kicks that arrive while a run is queued coalesce into it, and a
 * kick during a run asks for one more run. Connection flapping therefore costs at most one extra
 * run. There is no timer: a run that failed on a connection problem runs again on the kick of the
 * connection state change that follows it. Not part of the API.
 */
public final class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final Executor lane;
    private final Runnable body;
    private final AtomicBoolean queued = new AtomicBoolean();

    public Reconciler(Session session, Runnable body) {
        this.lane = new SerialExecutor(session.workers());
        this.body = body;
    }

    /** Asks for a run; returns at once. Safe on any thread, ZooKeeper's event thread included. */
    public void kick() {
        if (!queued.compareAndSet(false, true)) {
            return; // a run that has not started yet will see whatever changed
        }
        try {
            lane.execute(this::run);
        } catch (RejectedExecutionException closedClient) {
            queued.set(false); // the client is closed: nothing is left to reconcile
        }
    }

    private void run() {
        queued.set(false);
        try {
            body.run();
        } catch (RuntimeException e) {
            log.warn("Reconciliation failed; it runs again on the next change", e);
        }
    }
}
