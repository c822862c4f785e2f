package io.zkrecipes.election;

import java.util.function.BooleanSupplier;

/**
 * The requests made of a participant (close, resign) and the wake-ups of its thread. Every wait of
 * that thread is on one monitor, except its wait in line, which only an interrupt can end: a
 * wake-up marked urgent interrupts the thread, and only while it waits in line, never while it
 * creates or deletes a node. An interrupt the thread catches is therefore always this signal.
 */
final class Signals {
    private final Object lock = new Object();
    private Thread owner;
    private boolean inLine;
    private long wakes;
    private volatile boolean closeRequested;
    private long resignsRequested;
    private long resignsDone;
    private boolean finished;

    void owner(Thread thread) {
        this.owner = thread;
    }

    /** The monitor, for state that must change atomically with the requests. */
    Object lock() {
        return lock;
    }

    boolean closeRequested() {
        return closeRequested;
    }

    /** Whether close or a resign not yet handled was asked for. */
    boolean requestPending() {
        synchronized (lock) {
            return closeRequested || resignsRequested > resignsDone;
        }
    }

    boolean resignPending() {
        synchronized (lock) {
            return resignsRequested > resignsDone;
        }
    }

    /** Asks for close, running {@code alsoUnderLock} atomically with it, and wakes the owner. */
    void requestClose(Runnable alsoUnderLock) {
        synchronized (lock) {
            closeRequested = true;
            alsoUnderLock.run();
            wakeLocked(true);
        }
    }

    /** Asks for a resign, running {@code alsoUnderLock} atomically with it; returns its number. */
    long requestResign(Runnable alsoUnderLock) {
        synchronized (lock) {
            alsoUnderLock.run();
            wakeLocked(true);
            return ++resignsRequested;
        }
    }

    /** Waits until resign number {@code n} was handled, the owner finished or the deadline; keeps an interrupt. */
    void awaitResigned(long n, long deadlineNanos) {
        synchronized (lock) {
            while (resignsDone < n && !finished) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Marks every resign asked so far as handled; returns whether there was one. */
    boolean markResigned() {
        synchronized (lock) {
            boolean any = resignsRequested > resignsDone;
            resignsDone = resignsRequested;
            lock.notifyAll();
            return any;
        }
    }

    void markFinished() {
        synchronized (lock) {
            finished = true;
            lock.notifyAll();
        }
    }

    /** Waits until {@code condition} holds (re-checked on every wake-up) or the deadline passes. */
    boolean awaitUntil(BooleanSupplier condition, long deadlineNanos, long maxNapMillis) throws InterruptedException {
        synchronized (lock) {
            while (!condition.getAsBoolean()) {
                if (closeRequested) {
                    throw new IllegalStateException("closed while waiting");
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, Math.min(maxNapMillis, left / 1_000_000)));
            }
            return true;
        }
    }

    /** Enters the wait in line unless {@code urgent} already holds; then interrupts may come. */
    boolean enterLine(BooleanSupplier urgent) {
        synchronized (lock) {
            if (urgent.getAsBoolean()) {
                return false;
            }
            inLine = true;
            return true;
        }
    }

    /** Leaves the wait in line and drops an interrupt that came late, so it cannot hit a request. */
    void leaveLine() {
        synchronized (lock) {
            inLine = false;
            Thread.interrupted();
        }
    }

    void wake(boolean urgent) {
        synchronized (lock) {
            wakeLocked(urgent);
        }
    }

    long wakes() {
        synchronized (lock) {
            return wakes;
        }
    }

    /** Waits until a wake-up after {@code seen}, at most {@code millis}. */
    void nap(long seen, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        synchronized (lock) {
            long left;
            while (wakes == seen && (left = deadline - System.nanoTime()) > 0) {
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    return; // only this class interrupts the owner: the wake-up itself
                }
            }
        }
    }

    private void wakeLocked(boolean urgent) {
        wakes++;
        lock.notifyAll();
        if (urgent && inLine) {
            owner.interrupt();
        }
    }
}
