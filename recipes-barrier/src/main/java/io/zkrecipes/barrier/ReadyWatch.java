package io.zkrecipes.barrier;

import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/** The one watch an entering member sets: on its round's {@code ready} node. */
final class ReadyWatch implements Watcher {
    final String path;
    volatile boolean created;
    private final Wakeup wakeup;

    ReadyWatch(String path, Wakeup wakeup) {
        this.path = path;
        this.wakeup = wakeup;
    }

    @Override
    public void process(WatchedEvent event) {
        if (event.getType() == Event.EventType.NodeCreated && path.equals(event.getPath())) {
            created = true;
        }
        wakeup.bump();
    }
}
