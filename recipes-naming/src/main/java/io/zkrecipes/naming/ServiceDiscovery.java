package io.zkrecipes.naming;

import io.zkrecipes.core.internal.AsyncOps.NodeData;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.Require;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer side of service discovery: a live, cached list of one service's instances, kept
 * by watches, with change listeners and a picker.
 *
 * <pre>{@code
 * ServiceDiscovery orders = ServiceDiscovery.builder(client, "orders").strategy(PickStrategy.ROUND_ROBIN).build();
 * orders.start();
 * ServiceInstance target = orders.pick().orElseThrow();
 * }</pre>
 *
 * <p>{@link #instances()} and {@link #pick()} read the cache and never block. The cache costs one
 * children watch on the service node and one data watch per instance; a new instance costs one
 * read. On {@code SUSPENDED} the cache keeps its last list; after a reconnection it lists the
 * service again, and after {@code LOST} it re-reads every instance, so it converges to the
 * ensemble's state by itself. Nodes whose data is not an instance are skipped with a warning.
 *
 * <p>Listeners run on the discovery's own thread, one event at a time, in the order of changes,
 * outside any lock; they must not block for long. A provider that re-registers after losing its
 * session is reported as removed, then added. Thread-safe.
 */
public final class ServiceDiscovery implements AutoCloseable {
    /** Told of changes to the instance list. Every method does nothing by default. */
    public interface Listener {
        /** {@code instance} appeared. */
        default void instanceAdded(ServiceInstance instance) {
        }

        /** {@code instance} (as last seen) went away. */
        default void instanceRemoved(ServiceInstance instance) {
        }

        /** An instance's data changed. */
        default void instanceUpdated(ServiceInstance before, ServiceInstance after) {
        }
    }

    private static final Logger log = LoggerFactory.getLogger(ServiceDiscovery.class);

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private final ZkClient client;
    private final String service;
    private final String servicePath;
    private final Picker picker;
    private final ScheduledExecutorService executor = Reconciler.newThread("service-discovery");
    private final ChildrenCache cache;
    private final TreeMap<String, ServiceInstance> byId = new TreeMap<>(); // executor thread only
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private volatile List<ServiceInstance> instances = List.of();

    private ServiceDiscovery(Builder b) {
        this.client = b.client;
        this.service = b.service;
        this.servicePath = ZkPaths.join(b.basePath, b.service);
        this.picker = new Picker(b.strategy);
        this.cache = new ChildrenCache(client, servicePath, new Sink(), executor);
    }

    /**
     * A builder for the instances of {@code service}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code service} is not 1 to 200 characters of letters,
     *                                  digits, {@code . _ : -}
     * @throws IllegalStateException    if the client is closed
     */
    public static Builder builder(ZkClient client, String service) {
        return new Builder(client, service);
    }

    /**
     * Starts watching; returns at once (see {@link #awaitInitialized}). If the ensemble is
     * unreachable, the first list is read when it returns.
     *
     * @throws IllegalStateException if already started or closed
     */
    public void start() {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("service discovery of '" + service + "' was already started"
                    + (lifecycle.get() == Lifecycle.CLOSED ? " and closed" : ""));
        }
        cache.start();
    }

    /**
     * Waits until the first list has been read, at most {@code timeout}.
     *
     * @return whether it has
     * @throws IllegalStateException    if not started, or closed
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted while waiting
     */
    public boolean awaitInitialized(Duration timeout) throws InterruptedException {
        Require.nonNegative(timeout, "timeout");
        requireStarted();
        return cache.awaitInitialized(timeout);
    }

    /** The live instances, sorted by id; an immutable snapshot. Never blocks. */
    public List<ServiceInstance> instances() {
        requireStarted();
        return instances;
    }

    /**
     * An instance chosen by the strategy among the live ones not marked failing; empty when there
     * is none. Never blocks.
     *
     * @throws IllegalStateException if not started, or closed
     */
    public Optional<ServiceInstance> pick() {
        requireStarted();
        return picker.pick(instances);
    }

    /**
     * Skips {@code instance} (by id) in {@link #pick()} for {@code duration}, e.g. after a failed
     * call. A longer earlier mark is kept.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code duration} is not positive
     * @throws IllegalStateException    if closed
     */
    public void markFailing(ServiceInstance instance, Duration duration) {
        Objects.requireNonNull(instance, "instance");
        Require.positive(duration, "duration");
        requireNotClosed();
        picker.markFailing(instance.id(), duration);
    }

    /**
     * Adds a listener for changes from now on (it is not told of the current instances).
     *
     * @throws NullPointerException  if {@code listener} is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        requireNotClosed();
        listeners.add(listener);
    }

    /** Removes a listener; nothing if it was not added. */
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** The service name. */
    public String service() {
        return service;
    }

    /** Stops watching; the client is not closed. Idempotent. */
    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        cache.close();
        executor.shutdown();
        listeners.clear();
    }

    private void requireStarted() {
        Lifecycle now = lifecycle.get();
        if (now != Lifecycle.STARTED) {
            throw new IllegalStateException("service discovery of '" + service + "' is "
                    + (now == Lifecycle.CLOSED ? "closed" : "not started"));
        }
    }

    private void requireNotClosed() {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("service discovery of '" + service + "' is closed");
        }
    }

    private void publish() {
        instances = List.copyOf(byId.values());
    }

    private void notifyEach(java.util.function.Consumer<Listener> call) {
        for (Listener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                log.warn("Listener {} of service '{}' failed", listener, service, e);
            }
        }
    }

    /** Turns node events into instance events; runs on the executor. */
    private final class Sink implements ChildrenCache.Sink {
        @Override
        public void added(String name, NodeData node) {
            ServiceInstance instance = decode(name, node);
            if (instance != null) {
                byId.put(name, instance);
                publish();
                notifyEach(l -> l.instanceAdded(instance));
            }
        }

        @Override
        public void removed(String name, NodeData last) {
            ServiceInstance gone = byId.remove(name);
            if (gone != null) {
                publish();
                notifyEach(l -> l.instanceRemoved(gone));
            }
        }

        @Override
        public void updated(String name, NodeData before, NodeData after) {
            ServiceInstance old = byId.get(name);
            ServiceInstance now = decode(name, after);
            if (now == null) {
                removed(name, before);
            } else if (old == null) {
                added(name, after);
            } else if (!old.equals(now)) {
                byId.put(name, now);
                publish();
                notifyEach(l -> l.instanceUpdated(old, now));
            }
        }

        private ServiceInstance decode(String name, NodeData node) {
            try {
                return InstanceCodec.decode(name, node.data() == null ? new byte[0] : node.data());
            } catch (IllegalArgumentException | NullPointerException e) {
                log.warn("Skipping {}/{}: not a service instance ({})", servicePath, name, e.getMessage());
                return null;
            }
        }
    }

    /** Settings of a {@link ServiceDiscovery}; each setter checks its argument at once. */
    public static final class Builder {
        private final ZkClient client;
        private final String service;
        private String basePath = ServiceRegistry.DEFAULT_BASE_PATH;
        private PickStrategy strategy = PickStrategy.RANDOM;

        private Builder(ZkClient client, String service) {
            this.client = Names.checkClient(client);
            this.service = Names.checkName(service, "service");
        }

        /** The parent of every service node (default {@value ServiceRegistry#DEFAULT_BASE_PATH}). */
        public Builder basePath(String basePath) {
            this.basePath = ZkPaths.validate(basePath, "basePath");
            return this;
        }

        /** How {@link #pick()} chooses (default {@link PickStrategy#RANDOM}). */
        public Builder strategy(PickStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** A discovery, not yet started. */
        public ServiceDiscovery build() {
            return new ServiceDiscovery(this);
        }
    }
}
