package io.zkrecipes.naming;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.KeeperException;

/**
 * The provider side of service discovery: registers instances as ephemeral nodes under
 * {@code <basePath>/<service>/<instanceId>} (base path {@value #DEFAULT_BASE_PATH} by default) and
 * keeps them there, so that a provider that crashes disappears from every consumer's list by itself
 * and one that loses its session comes back with its latest data.
 *
 * <pre>{@code
 * ServiceRegistry registry = ServiceRegistry.create(client);
 * Registration r = registry.register("orders", ServiceInstance.of("orders-1", "10.0.0.7", 8080));
 * ...
 * r.updateMetadata(Map.of("weight", "50"));
 * r.unregister();   // or registry.unregister("orders", "orders-1")
 * }</pre>
 *
 * <p>{@link #register} never fails for lack of a connection: a registration made while the
 * ensemble is unreachable is kept and completed in the background when it returns.
 * {@link #registerNow} fails fast instead (Dubbo's {@code check} option). See {@link Registration}
 * for what happens on {@code SUSPENDED} and {@code LOST}.
 *
 * <p>Thread-safe. Made without any request. {@link #close()} unregisters every instance; it does
 * not close the client.
 */
public final class ServiceRegistry implements AutoCloseable {
    /** Where services live unless told otherwise. */
    public static final String DEFAULT_BASE_PATH = "/services";
    /** How long a {@link #registerNow} that failed waits, past its timeout, for its withdrawal to be sent. */
    private static final long WITHDRAWAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final ZkClient client;
    private final Session session;
    private final String basePath;
    private final Map<String, Registration> registrations = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private ServiceRegistry(ZkClient client, Session session, String basePath) {
        this.client = client;
        this.session = session;
        this.basePath = basePath;
    }

    /** A registry under {@value #DEFAULT_BASE_PATH}. @see #create(ZkClient, String) */
    public static ServiceRegistry create(ZkClient client) {
        return create(client, DEFAULT_BASE_PATH);
    }

    /**
     * A registry under {@code basePath}. Sends nothing and registers no listener.
     *
     * @param client   the client to use; it is not closed by {@link #close()}
     * @param basePath the parent of every service node, like {@code /services}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code basePath} is not a valid path
     * @throws IllegalStateException    if the client is closed
     */
    public static ServiceRegistry create(ZkClient client, String basePath) {
        Session session = Session.of(client);
        session.requireOpen();
        return new ServiceRegistry(client, session, ZkPaths.validate(basePath, "basePath"));
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
     *                                  or after {@link #close()}, or if the client is closed
     */
    public Registration register(String service, ServiceInstance instance) {
        ServiceInstance.requireName(service, "service");
        Objects.requireNonNull(instance, "instance");
        byte[] data = Registration.dataOf(session, instance);
        requireOpen();
        String path = pathOf(service, instance.id());
        Registration registration = new Registration(client, service, instance, path, data,
                gone -> registrations.remove(gone.path(), gone));
        if (registrations.putIfAbsent(path, registration) != null) {
            throw new IllegalStateException("instance '" + instance.id() + "' of service '" + service
                    + "' is already registered here (or its unregistration is not finished)");
        }
        registration.start();
        return registration;
    }

    /**
     * Registers {@code instance} and waits until its node exists; if it does not within
     * {@code timeout}, the registration is withdrawn and an exception thrown. Returns or throws
     * within the timeout plus half a second, whatever the network does. The same instance id can
     * be registered again once this method has thrown.
     *
     * @throws ZkRecipeException        if not registered in time (the ensemble is unreachable, the
     *                                  instance id is held by another session, permission denied...)
     * @throws InterruptedException     if interrupted while waiting (the registration is withdrawn)
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException as {@link #register}, or if {@code timeout} is negative
     * @throws IllegalStateException    as {@link #register}, and if the client is closed while waiting
     *                                  (the registration is withdrawn)
     */
    public Registration registerNow(String service, ServiceInstance instance, Duration timeout)
            throws InterruptedException {
        Deadline deadline = Deadline.after(Require.nonNegative(timeout, "timeout"));
        Registration registration = register(service, instance);
        boolean done = false;
        KeeperException cause = null;
        try {
            done = registration.awaitSynced(deadline);
        } catch (ZkRecipeException refused) {
            cause = (KeeperException) refused.getCause();
        } finally {
            if (!done) {
                registration.remove();
                registration.awaitGone(Deadline.none().atMost(WITHDRAWAL_NANOS));
            }
        }
        if (!done) {
            if (cause == null) {
                cause = KeeperException.create(registration.heldByAnother().isPresent()
                        ? KeeperException.Code.NODEEXISTS : KeeperException.Code.OPERATIONTIMEOUT, registration.path());
            }
            throw new ZkRecipeException("register instance '" + instance.id() + "' of service '" + service
                    + "' within " + timeout, cause);
        }
        return registration;
    }

    /**
     * Unregisters the instance {@code instanceId} of {@code service} registered here, as
     * {@link Registration#unregister()} does.
     *
     * @return whether such a registration was registered (and not yet unregistered)
     * @throws NullPointerException if an argument is null
     */
    public boolean unregister(String service, String instanceId) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(instanceId, "instanceId");
        Registration registration = registrations.get(pathOf(service, instanceId));
        if (registration == null || registration.isRemoved()) {
            return false;
        }
        registration.unregister();
        return true;
    }

    /** The registrations not yet unregistered. */
    public List<Registration> registrations() {
        return registrations.values().stream().filter(r -> !r.isRemoved()).toList();
    }

    /** The parent of every service node. */
    public String basePath() {
        return basePath;
    }

    /**
     * Unregisters every instance (see {@link Registration#unregister()}) and stops, waiting at
     * most the client's session timeout in all. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Registration> all = List.copyOf(registrations.values());
        all.forEach(Registration::remove);
        Deadline deadline = Deadline.none().atMost(session.sessionTimeoutNanos());
        for (Registration r : all) {
            r.awaitGone(deadline);
        }
    }

    @Override
    public String toString() {
        return "ServiceRegistry[" + basePath + ", " + registrations.size() + " registrations]";
    }

    private String pathOf(String service, String instanceId) {
        return ZkPaths.join(ZkPaths.join(basePath, service), instanceId);
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("service registry is closed");
        }
        session.requireOpen();
    }
}
