package io.zkrecipes.core.internal;

import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * The one wait every blocking recipe call goes through. It wakes when {@link #fire()} is called
 * (a watch of the recipe's, used as a {@link Watcher}), on every connection state change of the
 * session, and on the client's close; it ends at the caller's deadline and on interrupt. A fire is
 * never lost: one that comes before {@link #await} makes it return at once. A fire wakes one
 * waiting thread; {@link #fireAll} wakes every thread waiting now, for news only some of them can
 * use, without taking the fire meant for another.
 *
 * <p>Typical use: {@code try (Wait wait = session.newWait()) { while (!condition()) { if
 * (!wait.await(deadline)) return timedOut(); } }}
 */
public final class Wait implements Watcher, AutoCloseable {
    private final Session session;
    private long fired;
    private long seen;
    private long firedAll;

    Wait(Session session) {
        this.session = session;
    }

    /** Wakes the waiting thread (or the next {@link #await}). Cheap; safe on ZooKeeper's event thread. */
    public synchronized void fire() {
        fired++;
        notifyAll();
    }

    /**
     * Wakes every thread waiting now, and a later {@link #await(Deadline, long)} given an older
     * {@link #firedAll} count. Takes no fire from another thread. Safe on ZooKeeper's event thread.
     */
    public synchronized void fireAll() {
        firedAll++;
        notifyAll();
    }

    /** How many {@link #fireAll} calls came so far: read it before checking what a fire-all announces. */
    public synchronized long firedAll() {
        return firedAll;
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
        return await(deadline, Long.MIN_VALUE);
    }

    /**
     * As {@link #await(Deadline)}, and also returns once {@link #fireAll} was called more often than
     * {@code firedAllSeen} (a count from {@link #firedAll}, read before the caller checked its
     * condition); {@code Long.MIN_VALUE} ignores fire-alls. A return for a fire-all alone leaves
     * the pending fire to another thread.
     */
    public synchronized boolean await(Deadline deadline, long firedAllSeen) throws InterruptedException {
        while (fired == seen && !firedAllSince(firedAllSeen)) {
            session.requireOpen();
            long left = deadline.remainingNanos();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        if (!firedAllSince(firedAllSeen)) {
            seen = fired;
        }
        session.requireOpen();
        return true;
    }

    private boolean firedAllSince(long firedAllSeen) {
        return firedAllSeen != Long.MIN_VALUE && firedAll != firedAllSeen;
    }

    /** Stops waking on state changes. */
    @Override
    public void close() {
        session.forget(this);
    }
}
