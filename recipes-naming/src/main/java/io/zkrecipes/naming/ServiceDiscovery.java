package io.zkrecipes.naming;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.state.NodeState;
import io.zkrecipes.state.TreeEvent;
import io.zkrecipes.state.TreeTooLargeException;
import io.zkrecipes.state.TreeUpdate;
import io.zkrecipes.state.TreeWatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
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
 * <p>{@link #instances()} and {@link #pick()} read the cache and never block. The cache is a
 * {@link TreeWatcher} of the service node and its children: one persistent recursive watch; a new,
 * changed or removed instance costs one notification and one read, and a re-read after a
 * reconnection one listing plus one read per instance, all pipelined. On {@code SUSPENDED} the
 * cache keeps its last list; after a reconnection, and after {@code LOST} on the new session, it
 * re-reads the service and reports exactly what changed meanwhile, so it converges to the
 * ensemble's state by itself. Nodes whose data is not an instance, or that this client may not
 * read, are skipped with a warning. The cache holds {@link TreeWatcher#DEFAULT_MAX_NODES} nodes,
 * the service node among them: a service with more instances fails with
 * {@link TreeTooLargeException} (from {@link #awaitInitialized}, {@link #instances()} and
 * {@link #pick()}), and the discovery stops following it. {@link #close()} removes this client's
 * watch on the service node, which another discovery of the same service on the same client sets
 * again (re-reading the service).
 *
 * <p>Listeners run on a lane of their own (or on the executor given with them), one event at a
 * time and in the order of changes, outside any lock: a slow listener delays only itself, neither
 * the cache nor other listeners. A provider that re-registers after losing its session is reported
 * as removed, then added. Thread-safe.
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

    private record Subscriber(Listener listener, Executor lane) {
    }

    private final Session session;
    private final String service;
    private final String servicePath;
    private final Picker picker;
    private final TreeWatcher tree;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final TreeMap<String, ServiceInstance> known = new TreeMap<>(); // the tree listener's own
    private volatile List<ServiceInstance> instances = List.of();

    private ServiceDiscovery(Builder b) {
        this.session = b.session;
        this.service = b.service;
        this.servicePath = ZkPaths.join(b.basePath, b.service);
        this.picker = new Picker(b.strategy);
        this.tree = TreeWatcher.builder(b.client, servicePath).maxDepth(1).build();
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
     * @throws IllegalStateException if already started or closed, or if the client is closed
     */
    public void start() {
        session.requireOpen();
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("service discovery of '" + service + "' was already started"
                    + (lifecycle.get() == Lifecycle.CLOSED ? " and closed" : ""));
        }
        // why in place: it only turns an update into events and hands them to the listeners' lanes
        tree.addListener(this::treeChanged, Session.inPlace());
        tree.start();
    }

    /**
     * Waits until the first list has been read, at most {@code timeout}, whatever the network does.
     *
     * @return whether it has
     * @throws IllegalStateException    if not started, or closed, or the client is closed (also while waiting)
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws ZkRecipeException        if the server refused to let this client read or watch the
     *                                  service's node ({@code NOAUTH}); it is tried again on the
     *                                  next reconnection
     * @throws TreeTooLargeException    if the service has more instances than the cache holds
     * @throws InterruptedException     if interrupted while waiting
     */
    public boolean awaitInitialized(Duration timeout) throws InterruptedException {
        requireStarted();
        try {
            return tree.awaitInitialized(timeout);
        } catch (IllegalStateException closed) {
            requireStarted(); // say it of the discovery, if it is the one closed
            throw closed;
        }
    }

    /**
     * The live instances, sorted by id; an immutable snapshot. Never blocks.
     *
     * @throws IllegalStateException if not started, or closed
     * @throws TreeTooLargeException if the service has more instances than the cache holds
     */
    public List<ServiceInstance> instances() {
        requireHealthy();
        return instances;
    }

    /**
     * An instance chosen by the strategy among the live ones not marked failing; empty when there
     * is none. Never blocks.
     *
     * @throws IllegalStateException if not started, or closed
     * @throws TreeTooLargeException if the service has more instances than the cache holds
     */
    public Optional<ServiceInstance> pick() {
        requireHealthy();
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
     * Adds a listener for changes from now on (it is not told of the instances already listed; one
     * added before the first list is told of every instance in it). It runs on a lane of its own,
     * off the client's threads: a slow listener delays nothing else.
     *
     * @throws NullPointerException  if {@code listener} is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener) {
        addSubscriber(listener, session.newCallbackLane());
    }

    /**
     * Adds a listener that runs on {@code executor}; its events still arrive one at a time, in order.
     *
     * @throws NullPointerException  if an argument is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener, Executor executor) {
        // why a user lane: events are handed over on ZooKeeper's event thread, and a user's
        // executor may run a task at once
        addSubscriber(listener, session.userLane(Objects.requireNonNull(executor, "executor")));
    }

    /** Removes a listener; nothing if it was not added. Events already handed to it may still arrive. */
    public void removeListener(Listener listener) {
        subscribers.removeIf(s -> s.listener() == listener);
    }

    /** The service name. */
    public String service() {
        return service;
    }

    /**
     * Stops watching (removing the watch, waiting for the server's answer while connected, at most a
     * session timeout); threads waiting in {@link #awaitInitialized} end. The client is not closed.
     * Idempotent.
     */
    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        subscribers.clear();
        tree.close();
    }

    @Override
    public String toString() {
        return "ServiceDiscovery[" + servicePath + ", " + instances.size() + " instances]";
    }

    private void addSubscriber(Listener listener, Executor lane) {
        Objects.requireNonNull(listener, "listener");
        requireNotClosed();
        subscribers.add(new Subscriber(listener, lane));
    }

    private void requireStarted() {
        Lifecycle now = lifecycle.get();
        if (now != Lifecycle.STARTED) {
            throw new IllegalStateException("service discovery of '" + service + "' is "
                    + (now == Lifecycle.CLOSED ? "closed" : "not started"));
        }
    }

    /** Started, not closed, and the cache still follows the service (it stops past its node limit). */
    private void requireHealthy() {
        requireStarted();
        tree.snapshot(); // throws TreeTooLargeException once the service outgrew the cache
    }

    private void requireNotClosed() {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("service discovery of '" + service + "' is closed");
        }
    }

    // ---- from the cache's updates to instance events: on the thread that publishes, one update at a time

    private void treeChanged(TreeUpdate update) {
        List<Consumer<Listener>> events = new ArrayList<>();
        for (TreeEvent e : update.events()) {
            if (!e.path().equals(servicePath)) {
                changed(ZkPaths.name(e.path()), e, events);
            }
        }
        if (!events.isEmpty() || update.initial()) {
            instances = List.copyOf(known.values());
            session.events().instancesSeen(service, instances.size());
        }
        if (!events.isEmpty()) {
            publish(events);
        }
    }

    /** Applies one node's change to the list, and adds the events it makes. */
    private void changed(String id, TreeEvent e, List<Consumer<Listener>> events) {
        ServiceInstance before = known.get(id);
        ServiceInstance after = e.current() == null ? null : decode(e.current());
        if (after == null) {
            known.remove(id);
        } else {
            known.put(id, after);
        }
        boolean recreated = e.previous() != null && e.current() != null
                && e.previous().czxid() != e.current().czxid();
        if (before != null && (after == null || recreated)) {
            events.add(l -> l.instanceRemoved(before)); // a re-registration: removed, then added
        }
        if (after != null && (before == null || recreated)) {
            events.add(l -> l.instanceAdded(after));
        } else if (after != null && !before.equals(after)) {
            events.add(l -> l.instanceUpdated(before, after));
        }
    }

    private ServiceInstance decode(NodeState node) {
        String id = ZkPaths.name(node.path());
        try {
            return InstanceCodec.decode(id, node.data() == null ? new byte[0] : node.data());
        } catch (IllegalArgumentException | NullPointerException e) {
            log.warn("Skipping {}: not a service instance ({})", node.path(), e.getMessage());
            return null;
        }
    }

    /** Hands the update's events to every listener's lane, in order; none runs them on this thread. */
    private void publish(List<Consumer<Listener>> events) {
        for (Subscriber s : subscribers) {
            try {
                s.lane().execute(() -> deliver(s.listener(), events));
            } catch (RejectedExecutionException e) {
                log.debug("Listener {} of service '{}' no longer takes events", s.listener(), service);
            }
        }
    }

    private void deliver(Listener listener, List<Consumer<Listener>> events) {
        for (Consumer<Listener> event : events) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                log.warn("Listener {} of service '{}' failed", listener, service, e);
            }
        }
    }

    /** Settings of a {@link ServiceDiscovery}; each setter checks its argument at once. */
    public static final class Builder {
        private final ZkClient client;
        private final Session session;
        private final String service;
        private String basePath = ServiceRegistry.DEFAULT_BASE_PATH;
        private PickStrategy strategy = PickStrategy.RANDOM;

        private Builder(ZkClient client, String service) {
            this.client = Objects.requireNonNull(client, "client");
            this.session = Session.of(client);
            session.requireOpen();
            this.service = ServiceInstance.requireName(service, "service");
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

        /** A discovery, not yet started. Sends nothing and registers no listener. */
        public ServiceDiscovery build() {
            return new ServiceDiscovery(this);
        }
    }
}
