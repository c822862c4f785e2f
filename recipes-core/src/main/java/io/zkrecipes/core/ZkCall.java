package io.zkrecipes.core;

import org.apache.zookeeper.KeeperException;

/** A ZooKeeper operation that {@link ZkClient#retry(ZkCall)} may run more than once: keep it idempotent. */
@FunctionalInterface
public interface ZkCall<T> {
    /**
     * Runs the operation once.
     *
     * @return its result
     * @throws KeeperException      as ZooKeeper reports it; connection losses are retried by the caller
     * @throws InterruptedException if interrupted while waiting for ZooKeeper
     */
    T call() throws KeeperException, InterruptedException;
}
