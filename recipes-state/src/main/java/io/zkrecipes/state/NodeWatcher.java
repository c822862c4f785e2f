package io.zkrecipes.state;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * One node's current state (its data and stat, or absent), kept by one persistent watch, with
 * listeners told of every change, including a delete and a re-create.
 *
 * <pre>{@code
 * try (NodeWatcher leaderAddress = NodeWatcher.create(client, "/services/orders/leader")) {
 *     leaderAddress.addListener((before, after) -> reconnectTo(after == null ? null : after.text()));
 *     leaderAddress.start();
 *     leaderAddress.awaitInitialized(Duration.ofSeconds(10));
 *     Optional<NodeState> now = leaderAddress.current();
 * }
 * }</pre>
 *
 * <p><b>Guarantees.</b> The states a listener sees are states the node really had, in zxid order:
 * each one's mzxid is greater than the one before (a node created again has a greater czxid), never
 * compared by version, which restarts at 0 after a re-create. Changes faster than the listener may
 * be coalesced, but the final state always arrives: across disconnections the watcher re-reads the
 * node, and after a session expiry it sets its watch again on the new session first, so a change
 * made meanwhile is never missed. The watch is one persistent watch ({@code AddWatchMode.PERSISTENT}),
 * never registered again per event. While {@code SUSPENDED}, {@link #current()} keeps the last state.
 *
 * <p><b>Cost.</b> Starting costs the watch and one read; each change one notification and one read;
 * a reconnection one read.
 *
 * <p>Built on {@link TreeWatcher} (the library's one cache) limited to the node itself. Thread-safe.
 * Made without any request. After {@link #close()} every method but {@code close} throws
 * {@link IllegalStateException}.
 */
public final class NodeWatcher implements AutoCloseable {
    /** Told of each change of the node. */
    @FunctionalInterface
    public interface Listener {
        /**
         * The node went from {@code previous} to {@code current}; {@code null} means absent (never
         * both). A listener starts from "absent": if the node exists when it is added, its first call
         * is {@code (null, state)}. Calls to one listener never overlap and come in order, never on
         * ZooKeeper's threads; an exception thrown here is logged and does not stop later calls.
         */
        void nodeChanged(NodeState previous, NodeState current);
    }

    /** A listener as the tree watcher sees it; equal when the user's listener is, so it can be removed. */
    private record Adapter(Listener listener) implements TreeWatcher.Listener {
        @Override
        public void treeChanged(TreeUpdate update) {
            for (TreeEvent e : update.events()) {
                listener.nodeChanged(e.previous(), e.current());
            }
        }
    }

    private final String path;
    private final TreeWatcher tree;

    private NodeWatcher(ZkClient client, String path) {
        this.path = path;
        this.tree = TreeWatcher.builder(client, path).nodeOnly().build();
    }

    /**
     * A watcher of the node at {@code path} (which need not exist). Sends nothing.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path
     */
    public static NodeWatcher create(ZkClient client, String path) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(path, "path");
        ZkPaths.validate(path, "path");
        return new NodeWatcher(client, path);
    }

    /** The watched node's path. */
    public String path() {
        return path;
    }

    /**
     * Sets the watch and reads the node; returns at once (see {@link #awaitInitialized}).
     *
     * @throws IllegalStateException if already started or closed, or if the client is closed
     */
    public void start() {
        tree.start();
    }

    /**
     * Waits until the node has been read, at most {@code timeout}, whatever the network does.
     *
     * @return whether it has
     * @throws IllegalStateException    if not started, or closed, or the client is closed (also while waiting)
     * @throws ZkRecipeException        if the server refuses to let this client read or watch the node
     *                                  ({@code NOAUTH}); it is tried again on the next reconnection
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted while waiting
     */
    public boolean awaitInitialized(Duration timeout) throws InterruptedException {
        return tree.awaitInitialized(timeout);
    }

    /**
     * The node's last published state, empty if it is absent (or not read yet). Never blocks, sends
     * nothing; answers also while disconnected.
     *
     * @throws IllegalStateException if not started, or closed
     */
    public Optional<NodeState> current() {
        return Optional.ofNullable(tree.snapshot().get(path));
    }

    /**
     * Adds a listener on a callback lane of its own: a slow listener delays nothing else.
     *
     * @throws NullPointerException  if {@code listener} is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener) {
        tree.addListener(new Adapter(Objects.requireNonNull(listener, "listener")));
    }

    /**
     * {@link #addListener(Listener)} on {@code executor}; calls still come one at a time, in order.
     *
     * @throws NullPointerException  if an argument is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener, Executor executor) {
        tree.addListener(new Adapter(Objects.requireNonNull(listener, "listener")), executor);
    }

    /** Removes every registration of {@code listener}; no call starts for it after this returns. */
    public void removeListener(Listener listener) {
        tree.removeListener(new Adapter(listener));
    }

    /** Stops watching and removes the watch; the client is not closed. Idempotent. */
    @Override
    public void close() {
        tree.close();
    }

    @Override
    public String toString() {
        return "NodeWatcher[" + path + "]";
    }
}
