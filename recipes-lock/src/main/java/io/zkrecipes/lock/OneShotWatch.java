package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/** A one-shot node or children watch that bumps a {@link Signal}; connection events are ignored. */
final class OneShotWatch implements Watcher {
    private final Signal signal;
    private final long sessionId;
    private volatile boolean fired;

    OneShotWatch(Signal signal, ZkClient client) {
        this.signal = signal;
        this.sessionId = client.sessionId();
    }

    @Override
    public void process(WatchedEvent event) {
        if (event.getType() != Event.EventType.None) {
            fired = true;
            signal.fire();
        }
    }

    /**
     * Waits until the watch fires, the session it was set on is gone (the watch went with it) or
     * the client closes.
     *
     * @param seen the signal's version read before the watch was set
     * @return {@code false} at the deadline
     */
    boolean await(ZkClient client, long seen, long deadlineNanos) throws InterruptedException {
        long version = seen;
        while (!fired && client.sessionId() == sessionId && !client.isClosed()) {
            if (!signal.awaitAfter(version, deadlineNanos)) {
                return fired;
            }
            version = signal.version();
        }
        return true;
    }
}
