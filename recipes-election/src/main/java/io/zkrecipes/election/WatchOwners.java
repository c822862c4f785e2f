package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the started observers per client and path, so that the last one to close removes the
 * server's persistent watch while earlier ones only remove their own watcher.
 */
final class WatchOwners {
    private static final Map<List<Object>, Integer> COUNTS = new HashMap<>();

    private WatchOwners() {
    }

    static synchronized void acquire(ZkClient client, String path) {
        COUNTS.merge(List.of(client, path), 1, Integer::sum);
    }

    /** Releases one hold; whether it was the last one on that client and path. */
    static synchronized boolean release(ZkClient client, String path) {
        List<Object> key = List.of(client, path);
        Integer left = COUNTS.merge(key, -1, Integer::sum);
        if (left != null && left <= 0) {
            COUNTS.remove(key);
            return true;
        }
        return false;
    }
}
