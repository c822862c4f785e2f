package io.zkrecipes.queue;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.Session;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.WatcherType;
import org.apache.zookeeper.Watcher;

/**
 * The one watcher of a queue instance: every watch event and every connection state change
 * bumps a generation and wakes the waiting consumer, which then looks again. One instance is
 * registered for every watched path, so repeated polls never pile up watches (the client keeps
 * one entry per path and watcher).
 */
final class ChangeSignal implements Watcher, ConnectionStateListener {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private long generation;

    @Override
    public void process(WatchedEvent event) {
        if (event.getPath() != null) {
            watched.remove(event.getPath()); // a one-shot watch that fired is gone
        }
        bump();
    }

    /** {@code path} is about to be watched with this watcher: {@link #removeAll} will clear it. */
    ChangeSignal track(String path) {
        watched.add(path);
        return this;
    }

    /** Removes this watcher's watches, in the background (at close). */
    void removeAll(ZkClient client) {
        for (String path : watched) {
            // pipelined, not awaited: NOWATCHER for a watch that fired meanwhile is fine
            Session.of(client).ops().removeWatches(path, this, WatcherType.Any);
        }
        watched.clear();
    }

    @Override
    public void stateChanged(ZkClient client, ConnectionState newState) {
        // watches may be gone (LOST) or events missed while away: look again
        bump();
    }

    void bump() {
        lock.lock();
        try {
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long generation() {
        lock.lock();
        try {
            return generation;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the generation differs from {@code seen}; false if the deadline passed first. */
    boolean awaitChange(long seen, long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (generation == seen) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
