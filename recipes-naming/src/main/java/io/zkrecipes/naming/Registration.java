package io.zkrecipes.naming;


import io.zkrecipes.core.ZkRecipeException;

import io.zkrecipes.core.internal.Require;
import java.time.Duration;
import java.util.Map;

/**
 * One instance registered by a {@link ServiceRegistry}: an ephemeral node at
 * {@code <basePath>/<service>/<instanceId>} that the registry keeps in place with the latest
 * instance data until {@link #unregister()}.
 *
 * <p>On {@code SUSPENDED} nothing is sent: the node lives as long as the session. On a reconnection
 * with the same session nothing is re-sent either. After {@code LOST} (the node went with the
 * session) the latest data is registered again, once per new session. Unregistering wins over a
 * re-registration running at the same time: once {@link #unregister()} is called the node is
 * never created again.
 *
 * <p>Thread-safe.
 */
public final class Registration implements AutoCloseable {
    private final String service;
    private final OwnedNode node;
    private final Duration unregisterWait;
    private volatile ServiceInstance instance;

    Registration(String service, ServiceInstance instance, OwnedNode node, Duration unregisterWait) {
        this.service = service;
        this.instance = instance;
        this.node = node;
        this.unregisterWait = unregisterWait;
    }

    /** The service name. */
    public String service() {
        return service;
    }

    /** The instance with its latest metadata. */
    public ServiceInstance instance() {
        return instance;
    }

    /** The instance node's path. */
    public String path() {
        return node.path();
    }

    /** Whether the node exists with the latest data on the client's current session. Does not block. */
    public boolean isRegistered() {
        return node.isSynced();
    }

    /**
     * Waits until {@link #isRegistered()}, at most {@code timeout}.
     *
     * @return whether it is registered
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted while waiting
     * @throws ZkRecipeException        if the server refused the registration (for instance for lack of
     *                                  permission on the service's path): it is not retried
     */
    public boolean awaitRegistered(Duration timeout) throws InterruptedException {
        return node.awaitSyncedOrRefused(Require.deadlineAfter(Require.nonNegative(timeout, "timeout")), "register");
    }

    /**
     * Replaces the instance's metadata. Returns at once; the node is rewritten in the background
     * (see {@link #awaitRegistered}), and a new session re-creates it with this metadata.
     *
     * @throws NullPointerException  if {@code metadata}, a key or a value is null
     * @throws IllegalStateException after {@link #unregister()}
     */
    public void updateMetadata(Map<String, String> metadata) {
        synchronized (this) {
            ServiceInstance updated = instance.withMetadata(metadata);
            node.update(InstanceCodec.encode(updated)); // throws if unregistered
            instance = updated;
        }
    }

    /**
     * Removes the instance: it is never registered again, and its node is deleted. Blocks until the
     * delete is done or for at most the client's session timeout (then the delete completes in the
     * background on the next connection, or the node goes with the session). The same instance id
     * can be registered again once the delete is done. Idempotent.
     */
    public void unregister() {
        if (!node.remove()) {
            return;
        }
        try {
            node.awaitDeleted(Require.deadlineAfter(unregisterWait));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The same as {@link #unregister()}. */
    @Override
    public void close() {
        unregister();
    }

    void kick() {
        node.kick();
    }

    OwnedNode node() {
        return node;
    }

    @Override
    public String toString() {
        return "Registration[" + path() + ", " + instance.address() + "]";
    }
}
