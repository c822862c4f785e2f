package io.zkrecipes.naming;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.AsyncOps.NodeData;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Reconciler;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.SerialExecutor;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
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
 * read, and a full re-read is one round trip (the reads are pipelined). On {@code SUSPENDED} the
 * cache keeps its last list; after a reconnection it lists the service again, and after
 * {@code LOST} it re-reads every instance (the old session's watches are gone), so it converges
 * to the ensemble's state by itself. Nodes whose data is not an instance, or that this client may
 * not read, are skipped with a warning.
 *
 * <p>How it works: one {@link Reconciler} run at a time reads what changed and updates the cache,
 * kicked by the watches and by every connection state change; it never waits for a listener.
 * Listeners run on a lane of their own (or on the executor given with them), one event at a time
 * and in the order of changes, outside any lock: a slow listener delays only itself, neither the
 * cache nor other listeners. A provider that re-registers after losing its session is reported as
 * removed, then added. Thread-safe.
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

    /** A child as last read: its creation and its last write, and the instance it holds (null: not one). */
    private record Known(long czxid, long mzxid, ServiceInstance instance) {
    }

    private record Subscriber(Listener listener, Executor lane) {
    }

    private final Session session;
    private final String service;
    private final String servicePath;
    private final Picker picker;
    private final Reconciler reconciler;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final Set<Wait> waiters = ConcurrentHashMap.newKeySet();
    private final Watcher childWatcher = this::childEvent;
    private final Watcher dataWatcher = this::dataEvent;
    private final ConnectionStateListener stateListener = this::stateChanged;
    private final AtomicBoolean relist = new AtomicBoolean(true);
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final TreeMap<String, Known> known = new TreeMap<>(); // the runs' own
    private long syncedSession; // the runs' own
    private volatile List<ServiceInstance> instances = List.of();
    private volatile boolean initialized;
    private volatile KeeperException refusal;

    private ServiceDiscovery(Builder b) {
        this.session = b.session;
        this.service = b.service;
        this.servicePath = ZkPaths.join(b.basePath, b.service);
        this.picker = new Picker(b.strategy);
        this.reconciler = new Reconciler(session, this::reconcile);
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
        session.addListener(stateListener);
        reconciler.kick();
    }

    /**
     * Waits until the first list has been read, at most {@code timeout}, whatever the network does.
     *
     * @return whether it has
     * @throws IllegalStateException    if not started, or closed, or the client is closed (also while waiting)
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws ZkRecipeException        if the server refused the listing (for instance for lack of
     *                                  permission on the service's node); it is tried again on the
     *                                  next connection state change
     * @throws InterruptedException     if interrupted while waiting
     */
    public boolean awaitInitialized(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(Require.nonNegative(timeout, "timeout"));
        requireStarted();
        try (Wait wait = session.newWait()) {
            waiters.add(wait);
            try {
                while (!initialized) {
                    requireStarted();
                    KeeperException refused = refusal;
                    if (refused != null) {
                        throw new ZkRecipeException("list the instances of service '" + service + "'", refused);
                    }
                    if (!wait.await(deadline)) {
                        return initialized;
                    }
                }
                return true;
            } finally {
                waiters.remove(wait);
            }
        }
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
     * Adds a listener for changes from now on (it is not told of the current instances). It runs
     * on a lane of its own, off the client's threads: a slow listener delays nothing else.
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
        addSubscriber(listener, new SerialExecutor(Objects.requireNonNull(executor, "executor")));
    }

    /** Removes a listener; nothing if it was not added. Events already handed to it may still arrive. */
    public void removeListener(Listener listener) {
        subscribers.removeIf(s -> s.listener() == listener);
    }

    /** The service name. */
    public String service() {
        return service;
    }

    /** Stops watching; threads waiting in {@link #awaitInitialized} end. The client is not closed. Idempotent. */
    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        session.removeListener(stateListener);
        subscribers.clear();
        wakeWaiters();
        try {
            // best effort, not waited for: frees the client's watch table of our watcher
            session.ops().removeWatches(servicePath, childWatcher, Watcher.WatcherType.Any).exceptionally(e -> null);
        } catch (IllegalStateException closedClient) {
            // its watches went with it
        }
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

    private void requireNotClosed() {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("service discovery of '" + service + "' is closed");
        }
    }

    private void wakeWaiters() {
        waiters.forEach(Wait::fire);
    }

    // ---- kicks: short, on the dispatcher or ZooKeeper's event thread --------------------------

    private void stateChanged(ZkClient client, ConnectionState state) {
        if (state == ConnectionState.CONNECTED || state == ConnectionState.RECONNECTED
                || state == ConnectionState.LOST) {
            relist.set(true);
            reconciler.kick();
        }
    }

    private void childEvent(WatchedEvent event) {
        if (event.getType() != EventType.None) {
            relist.set(true);
            reconciler.kick();
        }
    }

    private void dataEvent(WatchedEvent event) {
        if (event.getType() == EventType.NodeDataChanged || event.getType() == EventType.NodeDeleted) {
            dirty.add(ZkPaths.name(event.getPath()));
            reconciler.kick();
        }
    }

    // ---- the runs ------------------------------------------------------------------------------

    private void reconcile() {
        if (lifecycle.get() != Lifecycle.STARTED || !session.isConnected()) {
            return; // kicked again on RECONNECTED or LOST
        }
        List<Consumer<Listener>> events = new ArrayList<>();
        try {
            long sid = session.sessionId();
            boolean full = sid != syncedSession; // a new session has none of our watches
            if (relist.getAndSet(false) | full) {
                relist(full, events);
                syncedSession = sid;
            }
            readDirty(events);
            refusal = null;
            initialized = true;
        } catch (KeeperException e) {
            relist.set(true);
            if (!ZkClient.isRetryable(e.code()) && e.code() != Code.SESSIONEXPIRED) {
                refusal = e; // tried again on the next connection state change
                log.error("Cannot list the instances of {}: {}", servicePath, e.code());
            } // else the connection state change that follows kicks the next run
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException closedClient) {
            log.debug("Client closed while watching {}", servicePath);
        } finally {
            publish(events);
        }
    }

    private void relist(boolean full, List<Consumer<Listener>> events) throws KeeperException, InterruptedException {
        AsyncOps ops = session.ops();
        List<String> names;
        try {
            names = Deadline.none().join(ops.getChildren(servicePath, childWatcher)).names();
        } catch (KeeperException.NoNodeException e) {
            // exists leaves a watch on the missing node: its creation wakes us
            if (Deadline.none().join(ops.exists(servicePath, childWatcher)) != null) {
                relist.set(true);
                reconciler.kick();
            }
            names = List.of();
        }
        Set<String> present = new HashSet<>(names);
        for (String name : new ArrayList<>(known.keySet())) {
            if (!present.contains(name)) {
                drop(name, events);
            }
        }
        // on the same session the client keeps our data watches: only new children need reading
        readAll(full ? names : names.stream().filter(n -> !known.containsKey(n)).toList(), events);
    }

    private void readDirty(List<Consumer<Listener>> events) throws KeeperException, InterruptedException {
        if (dirty.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>(dirty);
        dirty.removeAll(names);
        try {
            readAll(names, events);
        } catch (KeeperException | InterruptedException | RuntimeException e) {
            dirty.addAll(names);
            throw e;
        }
    }

    private void readAll(List<String> names, List<Consumer<Listener>> events)
            throws KeeperException, InterruptedException {
        Map<String, CompletableFuture<NodeData>> reads = new LinkedHashMap<>();
        for (String name : names) {
            // all reads go out back to back: the whole list costs one round trip
            reads.put(name, session.ops().getData(ZkPaths.join(servicePath, name), dataWatcher));
        }
        for (Map.Entry<String, CompletableFuture<NodeData>> read : reads.entrySet()) {
            try {
                put(read.getKey(), Deadline.none().join(read.getValue()), events);
            } catch (KeeperException.NoNodeException gone) {
                drop(read.getKey(), events);
            } catch (KeeperException e) {
                if (ZkClient.isRetryable(e.code()) || e.code() == Code.SESSIONEXPIRED) {
                    throw e;
                }
                // one unreadable instance must not stop the cache: it is read again on the next listing
                log.warn("Skipping {}/{}: {}", servicePath, read.getKey(), e.code());
            }
        }
    }

    /** Records what a read found, and the events it makes. */
    private void put(String name, NodeData node, List<Consumer<Listener>> events) {
        Known old = known.get(name);
        Known now = new Known(node.stat().getCzxid(), node.stat().getMzxid(), decode(name, node));
        if (old == null) {
            known.put(name, now);
            changed(null, now.instance(), events);
        } else if (now.czxid() > old.czxid()) {
            known.put(name, now); // re-created under the same name: removed, then added
            changed(old.instance(), null, events);
            changed(null, now.instance(), events);
        } else if (now.czxid() == old.czxid() && now.mzxid() > old.mzxid()) {
            known.put(name, now);
            changed(old.instance(), now.instance(), events);
        }
    }

    private void drop(String name, List<Consumer<Listener>> events) {
        Known old = known.remove(name);
        if (old != null) {
            changed(old.instance(), null, events); // its data watch fired with the deletion: nothing left to remove
        }
    }

    private static void changed(ServiceInstance before, ServiceInstance after, List<Consumer<Listener>> events) {
        if (before == null && after != null) {
            events.add(l -> l.instanceAdded(after));
        } else if (before != null && after == null) {
            events.add(l -> l.instanceRemoved(before));
        } else if (before != null && !before.equals(after)) {
            events.add(l -> l.instanceUpdated(before, after));
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

    /** Publishes the new list, then hands the run's events to every listener's lane, in order. */
    private void publish(List<Consumer<Listener>> events) {
        if (!events.isEmpty()) {
            instances = known.values().stream().map(Known::instance).filter(Objects::nonNull).toList();
            session.events().instancesSeen(service, instances.size());
            for (Subscriber s : subscribers) {
                try {
                    s.lane().execute(() -> deliver(s.listener(), events));
                } catch (RejectedExecutionException e) {
                    log.debug("Listener {} of service '{}' no longer takes events", s.listener(), service);
                }
            }
        }
        wakeWaiters();
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
        private final Session session;
        private final String service;
        private String basePath = ServiceRegistry.DEFAULT_BASE_PATH;
        private PickStrategy strategy = PickStrategy.RANDOM;

        private Builder(ZkClient client, String service) {
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
