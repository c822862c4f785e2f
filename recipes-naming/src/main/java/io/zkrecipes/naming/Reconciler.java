package io.zkrecipes.naming;

import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a recipe's "bring ZooKeeper in line with what we want" step on an executor, one run at a
 * time; kicks that arrive while it runs coalesce into one more run. Connection flapping therefore
 * costs at most one extra run, never a pile of them.
 */
final class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final ScheduledExecutorService executor;
    private final Runnable body;
    private final AtomicInteger kicks = new AtomicInteger();

    Reconciler(ScheduledExecutorService executor, Runnable body) {
        this.executor = executor;
        this.body = body;
    }

    /** A single daemon thread for one recipe object's reconcilers and listeners. */
    static ScheduledExecutorService newThread(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "zk-recipes-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Asks for a run; returns at once. */
    void kick() {
        if (kicks.getAndIncrement() == 0) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException closed) {
                kicks.set(0);
            }
        }
    }

    /** Asks for a run after {@code millis}. */
    void kickAfter(long millis) {
        try {
            executor.schedule(this::kick, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // the owner is closed: nothing left to reconcile
        }
    }

    private void drain() {
        int seen;
        do {
            seen = kicks.get();
            try {
                body.run();
            } catch (RuntimeException e) {
                log.warn("Reconciliation failed; retrying on the next change", e);
            }
        } while (!kicks.compareAndSet(seen, 0));
    }
}
