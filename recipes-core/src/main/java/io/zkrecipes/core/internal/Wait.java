package io.zkrecipes.core.internal;

import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * The one wait every blocking recipe call goes through. It wakes when {@link #fire()} is called
 * (a watch of the recipe's, used as a {@link Watcher}), on every connection state change of the
 * session, and on the client's close; it ends at the caller's deadline and on interrupt. A fire is
 * never lost: one that comes before {@link #await} makes it return at once.
 *
 * <p>Typical use: {@code try (Wait wait = session.newWait()) { while (!condition()) { if
 * (!wait.await(deadline)) return timedOut(); } }}
 */
public final class Wait implements Watcher, AutoCloseable {
    private final Session session;
    private long fired;
    private long seen;

    Wait(Session session) {
        this.session = session;
    }

    /** Wakes the waiting thread (or the next {@link #await}). Cheap; safe on ZooKeeper's event thread. */
    public synchronized void fire() {
        fired++;
        notifyAll();
    }

    /** A watch event of any kind wakes the wait. */
    @Override
    public void process(WatchedEvent event) {
        fire();
    }

    /**
     * Waits for a fire not yet seen, or for a session state change.
     *
     * @return {@code false} if the deadline passed first
     * @throws IllegalStateException if the client is closed (also when it closes while waiting)
     * @throws InterruptedException  if interrupted
     */
    public synchronized boolean await(Deadline deadline) throws InterruptedException {
        while (fired == seen) {
            session.requireOpen();
            long left = deadline.remainingNanos();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        seen = fired;
        session.requireOpen();
        return true;
    }

    /** Stops waking on state changes. */
    @Override
    public void close() {
        session.forget(this);
    }
}
