package io.zkrecipes.config;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher;

/**
 * Persistent recursive watches on config roots, counted per client and root. Removing one
 * watcher object only asks the server whether the watch exists (ZooKeeper cannot tell watchers
 * of one session apart) and leaves the server's watch in place, still sending events; so when the
 * last store of a client stops watching a root, the session's watches on it are removed outright.
 */
final class RootWatches {
    /** Per client, each registered watcher and the root it watches. */
    private static final Map<ZkClient, Map<Watcher, String>> WATCHERS = new WeakHashMap<>();

    private RootWatches() {
    }

    /** Registers {@code watcher} on {@code root}; the future completes once the server has the watch. */
    static CompletableFuture<Void> acquire(ZkClient client, String root, Watcher watcher) {
        synchronized (WATCHERS) {
            // a retried load re-adds the same watcher, which changes nothing here or in ZooKeeper
            WATCHERS.computeIfAbsent(client, c -> new HashMap<>()).put(watcher, root);
        }
        return Session.of(client).ops().addWatch(root, watcher, AddWatchMode.PERSISTENT_RECURSIVE);
    }

    /** Unregisters {@code watcher}; the last one on a root removes the server's watch. */
    static CompletableFuture<Void> release(ZkClient client, String root, Watcher watcher) {
        boolean last;
        synchronized (WATCHERS) {
            Map<Watcher, String> mine = WATCHERS.get(client);
            if (mine == null || mine.remove(watcher) == null) {
                return CompletableFuture.completedFuture(null);
            }
            last = !mine.containsValue(root);
        }
        if (client.isClosed()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> sent = last
                ? Session.of(client).ops().removeAllWatches(root, Watcher.WatcherType.PersistentRecursive)
                : Session.of(client).ops().removeWatches(root, watcher, Watcher.WatcherType.PersistentRecursive);
        // NOWATCHER: the session that held the watch is gone, and the watch with it
        return sent.exceptionallyCompose(e -> AsyncOps.codeOf(e) == Code.NOWATCHER
                ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(e));
    }
}
