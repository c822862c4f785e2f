package io.zkrecipes.election;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One run of the leader's task on the worker thread; stoppable by interrupt, and tells when it ended. */
final class TaskRun implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(TaskRun.class);
    private final LeaderTask task;
    private final long epoch;
    private final Runnable onEnd;
    private Thread runner;
    private boolean stopped;
    private boolean done;

    TaskRun(LeaderTask task, long epoch, Runnable onEnd) {
        this.task = task;
        this.epoch = epoch;
        this.onEnd = onEnd;
    }

    @Override
    public void run() {
        boolean start;
        synchronized (this) {
            start = !stopped;
            done = stopped;
            runner = start ? Thread.currentThread() : null;
        }
        if (!start) {
            onEnd.run();
            return;
        }
        try {
            task.lead(epoch);
        } catch (InterruptedException e) {
            log.debug("Leader task of epoch {} interrupted", epoch);
        } catch (RuntimeException e) {
            log.warn("Leader task of epoch {} failed", epoch, e);
        } finally {
            synchronized (this) {
                runner = null;
                Thread.interrupted(); // an interrupt meant for this run must not reach the next one
                done = true;
            }
            onEnd.run();
        }
    }

    /** Interrupts the task if it runs, or keeps it from starting. Does not wait. */
    synchronized void stop() {
        stopped = true;
        if (runner != null) {
            runner.interrupt();
        }
    }

    synchronized boolean isDone() {
        return done;
    }
}
