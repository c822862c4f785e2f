package io.zkrecipes.core;

/**
 * Told of every change of a {@link ZkClient}'s {@link ConnectionState}, in order. Runs on the
 * client's event thread or on the executor given at registration, never on ZooKeeper's own event
 * thread. An exception thrown here is logged and does not stop delivery to other listeners.
 */
@FunctionalInterface
public interface ConnectionStateListener {
    void stateChanged(ZkClient client, ConnectionState newState);
}
