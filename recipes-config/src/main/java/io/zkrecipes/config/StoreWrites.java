package io.zkrecipes.config;

import java.util.Map;
import java.util.Set;

/**
 * The store's writes, on checked arguments: each sends its request, then lets the store's cache
 * (if running) catch up with it so that reads see it. Thread-safe.
 */
final class StoreWrites {
    private final Nodes nodes;
    private final CacheControl cache;

    StoreWrites(Nodes nodes, CacheControl cache) {
        this.nodes = nodes;
        this.cache = cache;
    }

    /** Writes {@code value} (kept as given); returns the new data version. */
    int put(String key, byte[] value) throws InterruptedException {
        boolean likelyAbsent = cache.cached() && !cache.keys().contains(key);
        int version = nodes.call("put", key, () -> nodes.put(key, value.clone(), likelyAbsent)).getVersion();
        cache.awaitOwnWrite();
        return version;
    }

    /** Writes {@code encoded} (not empty) in one transaction. */
    void putAll(Map<String, byte[]> encoded) throws InterruptedException {
        nodes.call("putAll", "", () -> {
            nodes.putAll(encoded, () -> cache.cached() ? cache.keys() : Set.copyOf(nodes.listOrCreateRoot()));
            return null;
        });
        cache.awaitOwnWrite();
    }

    boolean compareAndSet(String key, int expectedVersion, byte[] data) throws InterruptedException {
        boolean done = nodes.call("compareAndSet", key, () -> nodes.compareAndSet(key, expectedVersion, data));
        cache.awaitOwnWrite();
        return done;
    }

    boolean remove(String key) throws InterruptedException {
        boolean removed = nodes.call("remove", key, () -> nodes.remove(key));
        cache.awaitOwnWrite();
        return removed;
    }
}
