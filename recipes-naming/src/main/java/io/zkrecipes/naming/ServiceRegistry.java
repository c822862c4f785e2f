package io.zkrecipes.naming;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Require;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.KeeperException;

/**
 * The provider side of service discovery: registers instances as ephemeral nodes under
 * {@code <basePath>/<service>/<instanceId>} (base path {@value #DEFAULT_BASE_PATH} by default) and
 * keeps them there, so that a provider that crashes disappears from every consumer's list by itself
 * and one that loses its session comes back with its latest data.
 *
 * <pre>{@code
 * ServiceRegistry registry = new ServiceRegistry(client);
 * Registration r = registry.register("orders", ServiceInstance.of("orders-1", "10.0.0.7", 8080));
 * ...
 * r.updateMetadata(Map.of("weight", "50"));
 * r.unregister();
 * }</pre>
 *
 * <p>{@link #register} never fails for lack of a connection: a registration made while the
 * ensemble is unreachable is kept and completed in the background when it returns.
 * {@link #registerNow} fails fast instead (Dubbo's {@code check} option). See {@link Registration}
 * for what happens on {@code SUSPENDED} and {@code LOST}.
 *
 * <p>Thread-safe. {@link #close()} unregisters every instance; it does not close the client.
 */
public final class ServiceRegistry implements AutoCloseable {
    /** Where services live unless told otherwise. */
    public static final String DEFAULT_BASE_PATH = "/services";

    private final ZkClient client;
    private final String basePath;
    private final ScheduledExecutorService executor = Reconciler.newThread("service-registry");
    private final Map<String, Registration> registrations = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final ConnectionStateListener stateListener = this::stateChanged;

    /** A registry under {@value #DEFAULT_BASE_PATH}. @see #ServiceRegistry(ZkClient, String) */
    public ServiceRegistry(ZkClient client) {
        this(client, DEFAULT_BASE_PATH);
    }

    /**
     * @param client   the client to use; it is not closed by {@link #close()}
     * @param basePath the parent of every service node, like {@code /services}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code basePath} is not a valid path
     * @throws IllegalStateException    if the client is closed
     */
    public ServiceRegistry(ZkClient client, String basePath) {
        this.client = Names.checkClient(client);
        this.basePath = ZkPaths.validate(basePath, "basePath");
        client.addListener(stateListener);
    }

    /**
     * Registers {@code instance} of {@code service} and returns at once; the node is created in
     * the background, now or when the ensemble becomes reachable (see
     * {@link Registration#awaitRegistered}).
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code service} is not 1 to 200 characters of letters,
     *                                  digits, {@code . _ : -}, or the instance data is too large
     * @throws IllegalStateException    if this instance id is already registered for the service here,
     *                                  or after {@link #close()}
     */
    public Registration register(String service, ServiceInstance instance) {
        Names.checkName(service, "service");
        Objects.requireNonNull(instance, "instance");
        byte[] data = Names.checkData(client, InstanceCodec.encode(instance), "instance data");
        requireOpen();
        String path = ZkPaths.join(ZkPaths.join(basePath, service), instance.id());
        OwnedNode node = new OwnedNode(client, path, data, executor, () -> deleted(path));
        Registration registration = new Registration(service, instance, node, client.sessionTimeout());
        if (registrations.putIfAbsent(path, registration) != null) {
            throw new IllegalStateException("instance '" + instance.id() + "' of service '" + service
                    + "' is already registered here (or its unregistration is not finished)");
        }
        node.kick();
        return registration;
    }

    /**
     * Registers {@code instance} and waits until its node exists; if it does not within
     * {@code timeout}, the registration is withdrawn and an exception thrown. The same instance id
     * can be registered again once the withdrawn registration is cleaned up: before this method
     * throws if the client is connected, else on the next connection.
     *
     * @throws ZkRecipeException        if not registered in time (the ensemble is unreachable, the
     *                                  instance id is held by another session, permission denied...)
     * @throws InterruptedException     if interrupted while waiting (the registration is withdrawn)
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException as {@link #register}, or if {@code timeout} is negative
     * @throws IllegalStateException    as {@link #register}
     */
    public Registration registerNow(String service, ServiceInstance instance, Duration timeout)
            throws InterruptedException {
        long deadline = Require.deadlineAfter(Require.nonNegative(timeout, "timeout"));
        Registration registration = register(service, instance);
        boolean done = false;
        try {
            done = registration.node().awaitSynced(deadline);
        } finally {
            if (!done) {
                withdraw(registration);
            }
        }
        if (!done) {
            KeeperException cause = registration.node().failure();
            throw new ZkRecipeException("register instance '" + instance.id() + "' of service '" + service
                    + "' within " + timeout, cause != null ? cause
                    : KeeperException.create(KeeperException.Code.OPERATIONTIMEOUT, registration.path()));
        }
        return registration;
    }

    /** Stops the registration; waits for its cleanup (one request or two) only while connected. */
    private void withdraw(Registration registration) throws InterruptedException {
        registration.node().remove();
        if (client.isConnected()) {
            registration.node().awaitDeleted(Require.deadlineAfter(client.sessionTimeout()));
        }
    }

    /** The registrations not yet unregistered. */
    public List<Registration> registrations() {
        return registrations.values().stream().filter(r -> !r.node().isRemoved()).toList();
    }

    /** The parent of every service node. */
    public String basePath() {
        return basePath;
    }

    /**
     * Unregisters every instance and stops. Waits for the deletes for at most the client's session
     * timeout in all; any left are done in the background on the next connection. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Registration> all = List.copyOf(registrations.values());
        all.forEach(r -> r.node().remove());
        long deadline = Require.deadlineAfter(client.sessionTimeout());
        try {
            for (Registration r : all) {
                r.node().awaitDeleted(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopIfDrained();
    }

    private void deleted(String path) {
        registrations.remove(path);
        stopIfDrained();
    }

    private void stopIfDrained() {
        if (closed.get() && registrations.isEmpty() && stopped.compareAndSet(false, true)) {
            client.removeListener(stateListener);
            executor.shutdown();
        }
    }

    private void stateChanged(ZkClient c, ConnectionState state) {
        if (state == ConnectionState.CONNECTED || state == ConnectionState.RECONNECTED
                || state == ConnectionState.LOST) {
            registrations.values().forEach(Registration::kick);
        }
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("service registry is closed");
        }
    }
}
