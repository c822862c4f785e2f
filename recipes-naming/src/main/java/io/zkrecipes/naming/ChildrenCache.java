package io.zkrecipes.naming;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps.NodeData;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind group views and service discovery: a live copy of a parent's children and
 * their data, kept by one children watch and one data watch per child.
 *
 * <p>Everything runs on the owner's executor, so the {@link Sink} is called one event at a time,
 * in order. On a new session (first start, after LOST) every child is re-read, since the old
 * session's watches are gone; after a reconnection on the same session only the list is read
 * again (the client re-arms our watches itself). A child re-created under the same name (a
 * different czxid) is reported as removed, then added.
 */
final class ChildrenCache {
    /** Told of each change; runs on the cache's executor. */
    interface Sink {
        void added(String name, NodeData node);

        void removed(String name, NodeData last);

        void updated(String name, NodeData before, NodeData after);
    }

    private static final Logger log = LoggerFactory.getLogger(ChildrenCache.class);
    private static final long RETRY_MILLIS = 200;
    private static final long FAILURE_RETRY_MILLIS = 1000;

    private final ZkClient client;
    private final String parent;
    private final Sink sink;
    private final Reconciler reconciler;
    private final Map<String, NodeData> nodes = new HashMap<>(); // executor thread only
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean relist = new AtomicBoolean(true);
    private final CompletableFuture<Void> initialized = new CompletableFuture<>();
    private final Watcher childWatcher = this::childEvent;
    private final Watcher dataWatcher = this::dataEvent;
    private final ConnectionStateListener stateListener = this::stateChanged;
    private long syncedSession; // executor thread only
    private volatile boolean closed;

    ChildrenCache(ZkClient client, String parent, Sink sink, ScheduledExecutorService executor) {
        this.client = client;
        this.parent = parent;
        this.sink = sink;
        this.reconciler = new Reconciler(executor, this::reconcile);
    }

    void start() {
        client.addListener(stateListener);
        reconciler.kick();
    }

    /** Completes after the first full read. */
    CompletableFuture<Void> initialized() {
        return initialized;
    }

    /** Waits until the first list has been read, at most {@code timeout}; returns whether it has. */
    boolean awaitInitialized(Duration timeout) throws InterruptedException {
        try {
            initialized.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Stops listening; watches left on the server fire once more and are ignored. */
    void close() {
        closed = true;
        client.removeListener(stateListener);
        if (client.isConnected()) {
            // best effort, not waited for: frees the client's watch table of our watchers
            removeWatchSilently(parent, childWatcher);
        }
    }

    private void stateChanged(ZkClient c, ConnectionState state) {
        if (state == ConnectionState.CONNECTED || state == ConnectionState.RECONNECTED
                || state == ConnectionState.LOST) {
            relist.set(true);
            reconciler.kick();
        }
    }

    private void childEvent(WatchedEvent event) {
        if (event.getType() != Watcher.Event.EventType.None) {
            relist.set(true);
            reconciler.kick();
        }
    }

    private void dataEvent(WatchedEvent event) {
        Watcher.Event.EventType type = event.getType();
        if (type == Watcher.Event.EventType.NodeDataChanged || type == Watcher.Event.EventType.NodeDeleted) {
            dirty.add(ZkPaths.name(event.getPath()));
            reconciler.kick();
        }
    }

    private void reconcile() {
        if (closed || !client.isConnected()) {
            return; // kicked again on RECONNECTED or LOST
        }
        try {
            long session = client.sessionId();
            boolean full = session != syncedSession;
            if (relist.getAndSet(false) | full) {
                relist(full);
                syncedSession = session;
            }
            readDirty();
            initialized.complete(null);
        } catch (KeeperException e) {
            relist.set(true);
            boolean transientFailure = ZkClient.isRetryable(e.code()) || e.code() == KeeperException.Code.SESSIONEXPIRED;
            if (!transientFailure) {
                log.warn("Cannot read the children of {}: {}; retrying", parent, e.code());
            }
            reconciler.kickAfter(transientFailure ? RETRY_MILLIS : FAILURE_RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException closedClient) {
            log.debug("Client closed while watching {}", parent);
        }
    }

    private void relist(boolean full) throws KeeperException, InterruptedException {
        List<String> names;
        try {
            names = AsyncOps.join(Session.of(client).ops().getChildren(parent, childWatcher)).names();
        } catch (KeeperException.NoNodeException e) {
            // exists leaves a watch on the missing parent: its creation wakes us
            if (AsyncOps.join(Session.of(client).ops().exists(parent, childWatcher)) != null) {
                relist.set(true);
                reconciler.kick();
            }
            names = List.of();
        }
        Set<String> present = new HashSet<>(names);
        for (String known : new ArrayList<>(nodes.keySet())) {
            if (!present.contains(known)) {
                drop(known);
            }
        }
        // on the same session the client keeps our data watches: only new children need reading
        List<String> toRead = full ? names : names.stream().filter(n -> !nodes.containsKey(n)).toList();
        readAll(toRead);
    }

    private void readDirty() throws KeeperException, InterruptedException {
        if (dirty.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>(dirty);
        dirty.removeAll(names);
        try {
            readAll(names);
        } catch (KeeperException | InterruptedException | RuntimeException e) {
            dirty.addAll(names);
            throw e;
        }
    }

    private void readAll(List<String> names) throws KeeperException, InterruptedException {
        Map<String, CompletableFuture<NodeData>> reads = new LinkedHashMap<>();
        for (String name : names) {
            // all reads go out back to back: the whole list costs one round trip
            reads.put(name, Session.of(client).ops().getData(ZkPaths.join(parent, name), dataWatcher));
        }
        for (Map.Entry<String, CompletableFuture<NodeData>> read : reads.entrySet()) {
            try {
                put(read.getKey(), AsyncOps.join(read.getValue()));
            } catch (KeeperException.NoNodeException gone) {
                drop(read.getKey());
            }
        }
    }

    private void put(String name, NodeData node) {
        NodeData old = nodes.get(name);
        if (old == null) {
            nodes.put(name, node);
            sink.added(name, node);
        } else if (node.stat().getCzxid() > old.stat().getCzxid()) {
            nodes.put(name, node);
            sink.removed(name, old);
            sink.added(name, node);
        } else if (node.stat().getCzxid() == old.stat().getCzxid()
                && node.stat().getMzxid() > old.stat().getMzxid()) {
            nodes.put(name, node);
            sink.updated(name, old, node);
        }
    }

    private void drop(String name) {
        NodeData old = nodes.remove(name);
        if (old != null) {
            sink.removed(name, old); // its data watch fired with the deletion: nothing left to remove
        }
    }

    private void removeWatchSilently(String path, Watcher watcher) {
        try {
            Session.of(client).ops().removeWatches(path, watcher, Watcher.WatcherType.Any).exceptionally(e -> null);
        } catch (IllegalStateException closedClient) {
            // nothing to free
        }
    }
}
