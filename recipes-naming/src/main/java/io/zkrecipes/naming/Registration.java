package io.zkrecipes.naming;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.state.OwnedNode;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;

/**
 * One instance registered by a {@link ServiceRegistry}: an ephemeral node at
 * {@code <basePath>/<service>/<instanceId>}, kept in place with the latest instance data until
 * {@link #unregister()}. The node is an {@link OwnedNode}, which does all the keeping; this class
 * adds the instance and its encoding.
 *
 * <p>On {@code SUSPENDED} nothing is sent: the node lives as long as the session. On a reconnection
 * with the same session nothing is re-sent either. After {@code LOST} (the node went with the
 * session) the latest data is registered again, once per new session. Unregistering wins over a
 * re-registration running at the same time: once {@link #unregister()} is called the node is
 * never created again, and a create already in flight is followed by a delete. While another
 * session holds the same instance id, the registration waits and takes the id over when that
 * node goes; the other node is never deleted or overwritten.
 *
 * <p>Thread-safe.
 */
public final class Registration implements AutoCloseable {
    private final Session session;
    private final String service;
    private final OwnedNode node;
    private final Consumer<Registration> onGone;
    private final Object lock = new Object();
    private ServiceInstance instance; // guarded by lock
    private CompletableFuture<Void> removal; // guarded by lock: set once unregistering

    Registration(ZkClient client, String service, ServiceInstance instance, String path, byte[] data,
            Consumer<Registration> onGone) {
        this.session = Session.of(client);
        this.service = service;
        this.instance = instance;
        this.node = OwnedNode.create(client, path, data);
        this.onGone = onGone;
    }

    /** The node data of {@code instance}, checked against the client's size limit. */
    static byte[] dataOf(Session session, ServiceInstance instance) {
        byte[] data = InstanceCodec.encode(instance);
        if (data.length > session.maxDataBytes()) {
            throw new IllegalArgumentException("instance data is " + data.length + " bytes, over the limit of "
                    + session.maxDataBytes() + " bytes");
        }
        return data;
    }

    /** Begins keeping the node: now, or when the ensemble becomes reachable. */
    void start() {
        node.addListener(new OwnedNode.Listener() {
            @Override
            public void created(long sessionId) {
                session.events().serviceRegistered(service);
            }

            @Override
            public void recreated(long sessionId) {
                session.events().serviceRegistered(service);
            }
        });
        node.start();
    }

    /** The service name. */
    public String service() {
        return service;
    }

    /** The instance with its latest metadata. */
    public ServiceInstance instance() {
        synchronized (lock) {
            return instance;
        }
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
     * Waits until {@link #isRegistered()}, at most {@code timeout}, whatever the network does.
     *
     * @return whether it is registered
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if the registration is unregistered or its client closed, also
     *                                  while waiting
     * @throws InterruptedException     if interrupted while waiting
     * @throws ZkRecipeException        if the server refused the registration (for instance for lack of
     *                                  permission on the service's path): it is not retried
     */
    public boolean awaitRegistered(Duration timeout) throws InterruptedException {
        return awaitSynced(Deadline.after(Require.nonNegative(timeout, "timeout")));
    }

    /**
     * Replaces the instance's metadata. Returns at once; the node is rewritten in the background
     * (see {@link #awaitRegistered}), and a new session re-creates it with this metadata.
     *
     * @throws NullPointerException     if {@code metadata}, a key or a value is null
     * @throws IllegalArgumentException if the instance data would be too large
     * @throws IllegalStateException    after {@link #unregister()}
     */
    public void updateMetadata(Map<String, String> metadata) {
        synchronized (lock) {
            requireNotRemoved();
            ServiceInstance updated = instance.withMetadata(metadata);
            node.setData(dataOf(session, updated));
            instance = updated;
        }
    }

    /**
     * Removes the instance: it is never registered again, and its node is deleted. Returns once
     * the delete is sent (every later request of this client is ordered after it), waiting for
     * a create in flight at most the session timeout. If the connection is down, the session's
     * cleanup path deletes the node when it returns, or the node goes with the session. Threads
     * waiting in {@link #awaitRegistered} end with {@link IllegalStateException}. The same
     * instance id can be registered again once this returns. Idempotent; never throws.
     */
    public void unregister() {
        remove();
        awaitGone(Deadline.none().atMost(session.sessionTimeoutNanos()));
    }

    /** The same as {@link #unregister()}. */
    @Override
    public void close() {
        unregister();
    }

    @Override
    public String toString() {
        return "Registration[" + path() + ", " + instance().address() + "]";
    }

    // ---- for the registry ----------------------------------------------------------------------

    /** Waits until registered, a refusal, or the deadline; returns {@link #isRegistered()}. */
    boolean awaitSynced(Deadline deadline) throws InterruptedException {
        requireNotRemoved();
        try {
            return node.awaitSynced(Duration.ofNanos(deadline.remainingNanos()));
        } catch (ZkRecipeException refused) {
            throw new ZkRecipeException("register " + path(), (KeeperException) refused.getCause());
        } catch (IllegalStateException e) {
            requireNotRemoved(); // says "unregistered" rather than "closed"
            throw e;
        }
    }

    /** The session that holds the instance id while this registration waits for it, if any. */
    OptionalLong heldByAnother() {
        return node.heldByAnother();
    }

    /**
     * Stops keeping the node and has it deleted, in the background; false if that was asked before.
     * The registry forgets this registration once the delete is sent.
     */
    boolean remove() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            if (removal != null) {
                return false;
            }
            removal = done;
        }
        Runnable withdraw = () -> {
            try {
                node.close();
            } finally {
                onGone.accept(this); // before completing: once waiters return, the registry has forgotten us
                done.complete(null);
            }
        };
        try {
            session.workers().execute(withdraw); // a close waits for a create in flight: not on the caller's time
        } catch (RejectedExecutionException closedClient) {
            withdraw.run(); // the node goes with the session
        }
        return true;
    }

    boolean isRemoved() {
        synchronized (lock) {
            return removal != null;
        }
    }

    /** Waits, quietly, until the delete after {@link #remove()} is sent or handed to the cleanup path. */
    boolean awaitGone(Deadline deadline) {
        CompletableFuture<Void> done;
        synchronized (lock) {
            done = removal;
        }
        try {
            deadline.join(done);
            return true;
        } catch (KeeperException timedOut) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void requireNotRemoved() {
        if (isRemoved()) {
            throw new IllegalStateException(this + " was unregistered");
        }
    }
}
