package io.zkrecipes.core.internal;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * {@link CompletableFuture} wrappers over ZooKeeper's asynchronous API, on the client's current
 * session. A session applies its requests in order, so independent requests sent back to back
 * cost one round trip of latency: recipes pipeline through here.
 *
 * <p>Paths are relative to the client's namespace. Futures complete on ZooKeeper's event thread:
 * never block in a stage attached to them; join them from your own thread or move on with an
 * {@code ...Async} stage. A failed request completes its future with the {@link KeeperException};
 * nothing here retries (wrap calls in {@link Session#retry}).
 */
public final class AsyncOps {
    /** A created node: its actual path (with any sequence suffix) and its {@link Stat}. */
    public record Created(String path, Stat stat) {
    }

    /** A node's data and {@link Stat}. */
    public record NodeData(byte[] data, Stat stat) {
    }

    /** A node's children (unordered) and the parent's {@link Stat}. */
    public record Children(List<String> names, Stat stat) {
    }

    private final Session client;
    private final Consumer<RequestStats.Type> stats;
    private final NamespaceCreator namespace;
    /** Null: the client's current session, whichever it is. Else the only handle requests may use. */
    private final ZooKeeper boundHandle;
    private final long boundSession;

    AsyncOps(Session client, Consumer<RequestStats.Type> stats, NamespaceCreator namespace) {
        this(client, stats, namespace, null, 0);
    }

    private AsyncOps(Session client, Consumer<RequestStats.Type> stats, NamespaceCreator namespace, ZooKeeper handle,
            long session) {
        this.client = client;
        this.stats = stats;
        this.namespace = namespace;
        this.boundHandle = handle;
        this.boundSession = session;
    }

    /**
     * Requests that run only on session {@code sessionId}: once it has ended they fail with
     * {@code SESSIONEXPIRED} instead of running on the client's next session. For nodes whose
     * ownership matters, like a fixed-name ephemeral lock node that another session may own by now.
     */
    AsyncOps boundTo(ZooKeeper current, long sessionId) {
        return new AsyncOps(client, stats, namespace, current, sessionId);
    }

    /** Creates a node with the client's ACL for its path. */
    public CompletableFuture<Created> create(String path, byte[] data, CreateMode mode) {
        checkData(data);
        Objects.requireNonNull(mode, "mode");
        ZooKeeper zk = send(RequestStats.Type.CREATE, path);
        if (zk == null) {
            return expired(path);
        }
        CompletableFuture<Created> f = reply();
        zk.create(path, data, client.aclFor(path), mode,
                (rc, p, ctx, name, stat) -> complete(f, rc, p, new Created(name, stat), "CREATE on its parent"), null);
        return f;
    }

    /**
     * Creates a node, and its missing parents as CONTAINER nodes, which the server removes once
     * they have had children and are empty again. Parents are only created when the first
     * attempt fails with NONODE, so the common case costs one request.
     */
    public CompletableFuture<Created> createWithParents(String path, byte[] data, CreateMode mode) {
        return create(path, data, mode).exceptionallyCompose(e -> {
            if (codeOf(e) != Code.NONODE) {
                return CompletableFuture.failedFuture(e);
            }
            return ensureContainers(ZkPaths.parent(path)).thenCompose(v -> create(path, data, mode));
        });
    }

    /** Creates {@code path} and its ancestors as CONTAINER nodes where missing. */
    public CompletableFuture<Void> ensureContainers(String path) {
        if (path.equals("/")) {
            // Under a chroot, "/" is the namespace node, which the server does not create for us.
            return namespace.ensureExists();
        }
        return create(path, new byte[0], CreateMode.CONTAINER).<Void>thenApply(c -> null).exceptionallyCompose(e -> {
            Code code = codeOf(e);
            if (code == Code.NODEEXISTS) {
                return CompletableFuture.completedFuture(null);
            }
            if (code != Code.NONODE) {
                return CompletableFuture.failedFuture(e);
            }
            return ensureContainers(ZkPaths.parent(path)).thenCompose(v -> ensureContainers(path));
        });
    }

    /** Deletes a node if its version matches ({@code -1}: any version). */
    public CompletableFuture<Void> delete(String path, int version) {
        ZooKeeper zk = send(RequestStats.Type.DELETE, path);
        if (zk == null) {
            return expired(path);
        }
        CompletableFuture<Void> f = reply();
        zk.delete(path, version, (rc, p, ctx) -> complete(f, rc, p, null, "DELETE on its parent"), null);
        return f;
    }

    /** The node's {@link Stat}, or {@code null} if it does not exist (an exists-watch is then left set). */
    public CompletableFuture<Stat> exists(String path, Watcher watcher) {
        ZooKeeper zk = send(RequestStats.Type.EXISTS, path);
        if (zk == null) {
            return expired(path);
        }
        CompletableFuture<Stat> f = reply();
        zk.exists(path, watcher, (rc, p, ctx, stat) -> {
            if (rc == Code.NONODE.intValue()) {
                f.complete(null);
            } else {
                complete(f, rc, p, stat, "READ");
            }
        }, null);
        return f;
    }

    /** Reads a node; with a watcher, it fires once on change or deletion (none is left on NONODE). */
    public CompletableFuture<NodeData> getData(String path, Watcher watcher) {
        ZooKeeper zk = send(RequestStats.Type.GET_DATA, path);
        if (zk == null) {
            return expired(path);
        }
        CompletableFuture<NodeData> f = reply();
        zk.getData(path, watcher, (rc, p, ctx, data, stat) -> complete(f, rc, p, new NodeData(data, stat), "READ"),
                null);
        return f;
    }

    /**
     * Reads several nodes in one request (a read-only multi), without watches: one entry per path,
     * in order, null for a node that does not exist. Any other error fails the whole future.
     */
    public CompletableFuture<List<NodeData>> getDataAll(List<String> paths) {
        List<Op> reads = new ArrayList<>(paths.size());
        for (String path : paths) {
            ZkPaths.validate(path, "path");
            reads.add(Op.getData(path));
        }
        if (reads.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        ZooKeeper zk = send(RequestStats.Type.GET_DATA, paths.get(0));
        if (zk == null) {
            return expired("/");
        }
        CompletableFuture<List<NodeData>> f = reply();
        zk.multi(reads, (rc, p, ctx, results) -> {
            // the client reports the first failed read's code as rc: the per-read results still tell each one
            if (results == null || results.size() != paths.size()) {
                f.completeExceptionally(Failures.of(Code.get(rc), p, "READ"));
                return;
            }
            try {
                f.complete(nodeData(paths, results));
            } catch (KeeperException e) {
                f.completeExceptionally(e);
            }
        }, null);
        return f;
    }

    private static List<NodeData> nodeData(List<String> paths, List<OpResult> results) throws KeeperException {
        List<NodeData> all = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            OpResult r = results.get(i);
            if (r instanceof OpResult.GetDataResult d) {
                all.add(new NodeData(d.getData(), d.getStat()));
            } else if (((OpResult.ErrorResult) r).getErr() == Code.NONODE.intValue()) {
                all.add(null);
            } else {
                throw Failures.of(Code.get(((OpResult.ErrorResult) r).getErr()), paths.get(i), "READ");
            }
        }
        return all;
    }

    /** Writes a node's data if its version matches ({@code -1}: any version). */
    public CompletableFuture<Stat> setData(String path, byte[] data, int version) {
        checkData(data);
        ZooKeeper zk = send(RequestStats.Type.SET_DATA, path);
        if (zk == null) {
            return expired(path);
        }
        CompletableFuture<Stat> f = reply();
        zk.setData(path, data, version, (rc, p, ctx, stat) -> complete(f, rc, p, stat, "WRITE"), null);
        return f;
    }

    /** Lists a node's children; with a watcher, it fires once when a child is added or removed. */
    public CompletableFuture<Children> getChildren(String path, Watcher watcher) {
        ZooKeeper zk = send(RequestStats.Type.GET_CHILDREN, path);
        if (zk == null) {
            return expired(path);
        }
        CompletableFuture<Children> f = reply();
        zk.getChildren(path, watcher,
                (rc, p, ctx, names, stat) -> complete(f, rc, p, new Children(names, stat), "READ"), null);
        return f;
    }

    /**
     * Applies all operations or none. On failure the future fails with the first failing
     * operation's code and path.
     */
    public CompletableFuture<List<OpResult>> multi(List<Op> ops) {
        Objects.requireNonNull(ops, "ops");
        ZooKeeper zk = send(RequestStats.Type.MULTI, "/");
        if (zk == null) {
            return expired("/");
        }
        CompletableFuture<List<OpResult>> f = reply();
        zk.multi(ops, (rc, p, ctx, results) -> {
            if (rc == Code.OK.intValue()) {
                f.complete(results);
            } else {
                f.completeExceptionally(Failures.ofMulti(rc, ops, results));
            }
        }, null);
        return f;
    }

    /** An {@link Op#create} with the client's ACL for the path, for use in {@link #multi}. */
    public Op createOp(String path, byte[] data, CreateMode mode) {
        ZkPaths.validate(path, "path");
        checkData(data);
        return Op.create(path, data, client.aclFor(path), mode);
    }

    /** Adds a persistent (optionally recursive) watch, which stays until removed or the session ends. */
    public CompletableFuture<Void> addWatch(String path, Watcher watcher, AddWatchMode mode) {
        Objects.requireNonNull(watcher, "watcher");
        ZooKeeper zk = send(RequestStats.Type.ADD_WATCH, path);
        if (zk == null) {
            return expired(path);
        }
        CompletableFuture<Void> f = reply();
        zk.addWatch(path, watcher, mode, (rc, p, ctx) -> complete(f, rc, p, null, "READ"), null);
        return f;
    }

    /**
     * Removes one watcher on the client. ZooKeeper keeps the server's watch on the path (it only
     * checks that the watcher existed), so events may still arrive and are dropped; to remove the
     * server's watch too use {@link #removeAllWatches}. Fails with {@code NOWATCHER} if it was not set.
     *
     * <p>Never a local-only removal: when one fails with a connection loss, ZooKeeper queues the
     * "watch removed" event with state Disconnected ahead of the real Disconnected event, and then
     * drops the real one as a repeat, so the client would never learn it is suspended. A removal
     * that fails leaves the watcher registered until it fires or the session ends; recipes ignore
     * a watcher they no longer own.
     */
    public CompletableFuture<Void> removeWatches(String path, Watcher watcher, Watcher.WatcherType type) {
        ZooKeeper zk = send(RequestStats.Type.REMOVE_WATCHES, path);
        if (zk == null) {
            return expired(path);
        }
        CompletableFuture<Void> f = reply();
        zk.removeWatches(path, watcher, type, false, (rc, p, ctx) -> complete(f, rc, p, null, "READ"), null);
        return f;
    }

    /**
     * Removes every watch of {@code type} this session has on {@code path}, on the server and on
     * the client (all of this client's watchers of that path, not only one recipe's). Not local-only,
     * for the reason given at {@link #removeWatches}.
     */
    public CompletableFuture<Void> removeAllWatches(String path, Watcher.WatcherType type) {
        Objects.requireNonNull(type, "type");
        ZooKeeper zk = send(RequestStats.Type.REMOVE_WATCHES, path);
        if (zk == null) {
            return expired(path);
        }
        CompletableFuture<Void> f = reply();
        zk.removeAllWatches(path, type, false, (rc, p, ctx) -> complete(f, rc, p, null, "READ"), null);
        return f;
    }

    /** Waits until the server this session talks to has caught up with the leader. */
    public CompletableFuture<Void> sync(String path) {
        ZooKeeper zk = send(RequestStats.Type.SYNC, path);
        if (zk == null) {
            return expired(path);
        }
        CompletableFuture<Void> f = reply();
        zk.sync(path, (rc, p, ctx) -> complete(f, rc, p, null, "READ"), null);
        return f;
    }

    /**
     * Waits for a future from this class and unwraps its failure.
     *
     * @throws KeeperException      the request's failure
     * @throws InterruptedException if interrupted while waiting (the request may still be applied)
     */
    public static <T> T join(CompletableFuture<T> future) throws KeeperException, InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw Deadline.unwrap(e);
        }
    }

    /**
     * {@link #join}, waiting at most until {@code deadlineNanos} (a {@link System#nanoTime()}
     * deadline), so that a dead connection cannot stretch a caller's timeout.
     *
     * @throws TimeoutException if the deadline passed first (the request may still be applied)
     */
    public static <T> T join(CompletableFuture<T> future, long deadlineNanos)
            throws KeeperException, InterruptedException, TimeoutException {
        try {
            return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw Deadline.unwrap(e);
        }
    }

    /** The ZooKeeper error code of a failure from this class, or {@code null} if it is not a {@link KeeperException}. */
    public static Code codeOf(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException || t instanceof ExecutionException) {
            t = t.getCause();
        }
        return t instanceof KeeperException ke ? ke.code() : null;
    }

    /** A future for a request's reply, failed at once by the client's close (see {@link Session#close}). */
    private <T> CompletableFuture<T> reply() {
        return client.awaitingReply(new CompletableFuture<>());
    }

    /** The handle to send on, or null when the bound session is gone (nothing is sent then). */
    private ZooKeeper send(RequestStats.Type type, String path) {
        ZkPaths.validate(path, "path");
        ZooKeeper zk = client.handle();
        if (boundHandle != null) {
            if (boundSession == 0 || boundHandle.getSessionId() != boundSession || client.sessionId() != boundSession) {
                return null;
            }
            zk = boundHandle; // after expiry this handle is closed: its requests fail with SESSIONEXPIRED
        }
        stats.accept(type);
        return zk;
    }

    private static <T> CompletableFuture<T> expired(String path) {
        return CompletableFuture.failedFuture(KeeperException.create(Code.SESSIONEXPIRED, path));
    }

    private void checkData(byte[] data) {
        Objects.requireNonNull(data, "data");
        if (data.length > client.maxDataBytes()) {
            throw new IllegalArgumentException("data is " + data.length + " bytes, over the limit of "
                    + client.maxDataBytes() + " bytes (jute.maxbuffer less room for the request header)");
        }
    }

    private static <T> void complete(CompletableFuture<T> f, int rc, String path, T value, String permission) {
        if (rc == Code.OK.intValue()) {
            f.complete(value);
        } else {
            f.completeExceptionally(Failures.of(Code.get(rc), path, permission));
        }
    }
}
