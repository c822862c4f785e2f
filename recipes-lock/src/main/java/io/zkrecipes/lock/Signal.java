package io.zkrecipes.lock;

/** A counter that waiters watch: watch events and connection changes bump it. */
final class Signal {
    private long version;

    synchronized long version() {
        return version;
    }

    synchronized void fire() {
        version++;
        notifyAll();
    }

    /** Waits until the version passes {@code seen}; {@code false} at the deadline. */
    synchronized boolean awaitAfter(long seen, long deadlineNanos) throws InterruptedException {
        while (version == seen) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
