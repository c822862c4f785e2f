package io.zkrecipes.barrier;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import java.util.concurrent.TimeUnit;

/**
 * A counter that waiters sample before they send a request and then wait to see change: a watch
 * event, a connection state change or a close bumps it, so no wake-up between the sample and the
 * wait is missed. Registered on the client, it wakes waiters on every state change so that they
 * re-check ZooKeeper (watches of an expired session are gone).
 */
final class Wakeup implements ConnectionStateListener {
    /** While connected, a failed request is retried no sooner than this. */
    private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private long count;
    private boolean closed;

    synchronized long current() {
        return count;
    }

    synchronized void bump() {
        count++;
        notifyAll();
    }

    /** Marks the owner closed and wakes every waiter so it notices. */
    synchronized void close() {
        closed = true;
        bump();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Waits until the counter moved past {@code seen} or the deadline passed.
     *
     * @return {@code false} if the deadline ({@link System#nanoTime()} terms) passed first
     */
    synchronized boolean awaitChange(long seen, long deadline) throws InterruptedException {
        while (count == seen) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /**
     * After a request failed for want of a connection: waits for the next state change, or for a
     * short pause if the client already looks connected (its state event may still be on the way).
     *
     * @return {@code false} if the deadline passed first
     */
    boolean awaitConnection(ZkClient client, long seen, long deadline) throws InterruptedException {
        if (client.isConnected()) {
            long pauseEnd = System.nanoTime() + RETRY_PAUSE_NANOS;
            awaitChange(seen, deadline - pauseEnd < 0 ? deadline : pauseEnd);
            return deadline - System.nanoTime() > 0;
        }
        return awaitChange(seen, deadline);
    }

    @Override
    public void stateChanged(ZkClient client, ConnectionState newState) {
        bump();
    }
}
