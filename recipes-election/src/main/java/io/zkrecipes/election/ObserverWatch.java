package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.Session;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Helpers of {@link LeaderObserver}: running its steps and removing its watch. */
final class ObserverWatch {
    private static final Logger log = LoggerFactory.getLogger(LeaderObserver.class);

    /** One change, applied on the observer's thread in the order it was queued. */
    @FunctionalInterface
    interface Step {
        void apply() throws KeeperException, InterruptedException;
    }

    private ObserverWatch() {
    }

    /** Runs {@code step}, logging a failure: what it missed is read again after reconnection. */
    static void run(Step step, String path) {
        try {
            step.apply();
        } catch (KeeperException e) {
            log.warn("Could not read the election at {}: {}; reading again after reconnection", path, e.code());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (IllegalStateException e) {
            log.debug("Observer of {} stops: {}", path, e.getMessage());
        }
    }

    /**
     * Removes the observer's persistent watch without waiting: the server's watch too when
     * {@code last} (no other observer of that path on this client), else only this watcher.
     */
    static void remove(ZkClient client, String path, Watcher watcher, boolean last) {
        try {
            (last ? Session.of(client).ops().removeAllWatches(path, Watcher.WatcherType.PersistentRecursive)
                    : Session.of(client).ops().removeWatches(path, watcher, Watcher.WatcherType.PersistentRecursive))
                    .whenComplete((ok, failure) -> {
                        if (failure != null) {
                            log.debug("Could not remove the watch on {}: {}", path, failure.toString());
                        }
                    });
        } catch (IllegalStateException closed) {
            log.debug("Watch on {} not removed: {}", path, closed.getMessage()); // the client is closed
        }
    }
}
