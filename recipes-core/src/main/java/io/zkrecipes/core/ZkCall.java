package io.zkrecipes.core;

import org.apache.zookeeper.KeeperException;

/** A ZooKeeper operation that {@link ZkClient#retry(ZkCall)} may run more than once: keep it idempotent. */
@FunctionalInterface
public interface ZkCall<T> {
    T call() throws KeeperException, InterruptedException;
}
