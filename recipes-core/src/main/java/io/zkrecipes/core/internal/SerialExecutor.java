package io.zkrecipes.core.internal;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a delegate executor (a caller's pool, say), so
 * that callbacks given such an executor still arrive in order. A task that throws is logged and
 * does not stop the ones after it. Not part of the API: for the recipes' own use.
 */
public final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);
    private final Executor delegate;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    public SerialExecutor(Executor delegate) {
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        handToDelegate();
    }

    /**
     * Runs {@code task} on the calling thread when the lane is idle, else queues it like
     * {@link #execute}; tasks queued meanwhile then go to the delegate. For short tasks of the
     * library's own that may run on the caller's thread, saving a hand-off.
     */
    public void executeHereIfIdle(Runnable task) {
        synchronized (tasks) {
            if (running) {
                tasks.add(task);
                return;
            }
            running = true;
        }
        try {
            runQuietly(task);
        } finally {
            handOffRest();
        }
    }

    /** Whether this lane runs its tasks on {@code pool}. */
    public boolean runsOn(Executor pool) {
        return delegate == pool;
    }

    private void handOffRest() {
        synchronized (tasks) {
            if (tasks.isEmpty()) {
                running = false;
                return;
            }
        }
        try {
            handToDelegate();
        } catch (RejectedExecutionException closed) {
            // the pool is shut down with its client: nobody waits for these tasks any more
        }
    }

    /** Starts a drain on the delegate; on refusal the queued tasks are dropped and the refusal thrown. */
    private void handToDelegate() {
        try {
            delegate.execute(this::drain);
        } catch (RejectedExecutionException e) {
            synchronized (tasks) {
                tasks.clear();
                running = false;
            }
            throw e;
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            runQuietly(next);
        }
    }

    private static void runQuietly(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("Callback failed", e);
        }
    }
}
