package io.zkrecipes.config;

import java.util.Map;
import java.util.Optional;

/**
 * The store's reads, on checked arguments: from the cache's published view while it runs (no
 * request), else from ZooKeeper. Thread-safe.
 */
final class StoreReads {
    private final Nodes nodes;
    private final CacheControl cache;

    StoreReads(Nodes nodes, CacheControl cache) {
        this.nodes = nodes;
        this.cache = cache;
    }

    Optional<ConfigEntry> entry(String key) throws InterruptedException {
        if (cache.cached()) {
            return Optional.ofNullable(cache.view().entries().get(key));
        }
        return Optional.ofNullable(nodes.call("get", key, () -> nodes.read(key)));
    }

    Map<String, String> snapshot() throws InterruptedException {
        if (cache.cached()) {
            return cache.view().values();
        }
        Map<String, ConfigEntry> all = nodes.call("snapshot", "", nodes::readAll);
        return Values.valuesOf(all);
    }
}
