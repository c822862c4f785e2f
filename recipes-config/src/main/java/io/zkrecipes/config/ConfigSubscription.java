package io.zkrecipes.config;

/** A listener's registration on a {@link ConfigStore}; close it to stop updates. */
public interface ConfigSubscription extends AutoCloseable {
    /**
     * Stops updates: none starts after this returns (one under way may finish). When the store's
     * last subscription closes, the store removes its ZooKeeper watch and drops its cache.
     * Idempotent; does not throw.
     */
    @Override
    void close();
}
