package io.zkrecipes.core;

/**
 * Told of every change of a {@link ZkClient}'s {@link ConnectionState}, in order. Runs on the
 * client's event thread or on the executor given at registration, never on ZooKeeper's own event
 * thread. An exception thrown here is logged and does not stop delivery to other listeners.
 */
@FunctionalInterface
public interface ConnectionStateListener {
    /**
     * Told each state the client enters, in order. Must not block for long: it holds up later
     * states for this listener (and, on the client's event thread, for the others).
     *
     * @param client   the client whose state changed
     * @param newState the state it is in now
     */
    void stateChanged(ZkClient client, ConnectionState newState);
}
