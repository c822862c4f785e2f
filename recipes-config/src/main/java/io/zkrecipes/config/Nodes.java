package io.zkrecipes.config;

import io.zkrecipes.core.ZkCall;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.data.Stat;

/**
 * The store's requests to ZooKeeper, one key per child node of the root. Every method blocks,
 * retries connection loss through the session's retry loop until the retry policy's deadline
 * (which also bounds each wait for a reply), and then throws a {@link ZkRecipeException} naming
 * the operation and the path. A call waiting for a reply ends with {@link IllegalStateException}
 * as soon as the client or the store is closed; one pausing between two attempts, at its next
 * attempt. Thread-safe.
 */
final class Nodes {
    /** How often a write flips between create and setData while others create and delete the key. */
    private static final int MAX_RACE_ATTEMPTS = 10;

    private final Session session;
    private final String root;
    private final Runnable requireOpen;
    private final Set<Wait> waiting = ConcurrentHashMap.newKeySet();

    Nodes(Session session, String root, Runnable requireOpen) {
        this.session = session;
        this.root = root;
        this.requireOpen = requireOpen;
    }

    /** Writes {@code key}, creating it (and the root) if missing; {@code likelyAbsent} tries create first. */
    Stat put(String key, byte[] data, boolean likelyAbsent) throws InterruptedException {
        String path = path(key);
        Deadline deadline = deadline();
        return call("put", path, deadline, () -> {
            boolean create = likelyAbsent;
            for (int attempt = 0; ; attempt++) {
                try {
                    return create ? join(session.ops().create(path, data, CreateMode.PERSISTENT), deadline).stat()
                            : join(session.ops().setData(path, data, -1), deadline);
                } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
                    if (attempt >= MAX_RACE_ATTEMPTS) {
                        throw e;
                    }
                    if (create && e.code() == KeeperException.Code.NONODE) {
                        ensureRoot(deadline);
                    } else {
                        create = !create; // someone created or deleted the key meanwhile
                    }
                }
            }
        });
    }

    /** Creates {@code key} if absent ({@code version} -1) or writes it if at {@code version}. */
    boolean compareAndSet(String key, int version, byte[] data) throws InterruptedException {
        String path = path(key);
        Deadline deadline = deadline();
        return call("compareAndSet", path, deadline, () -> {
            try {
                if (version >= 0) {
                    join(session.ops().setData(path, data, version), deadline);
                } else {
                    createWithRoot(path, data, deadline);
                }
                return true;
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException
                    | KeeperException.NodeExistsException e) {
                return false;
            }
        });
    }

    boolean remove(String key) throws InterruptedException {
        String path = path(key);
        Deadline deadline = deadline();
        return call("remove", path, deadline, () -> {
            try {
                join(session.ops().delete(path, -1), deadline);
                return true;
            } catch (KeeperException.NoNodeException e) {
                return false;
            }
        });
    }

    /**
     * One multi: setData for the keys in {@code known}, create for the others. With {@code known}
     * null, or after a race with another writer, it lists the root first.
     */
    void putAll(Map<String, byte[]> values, Set<String> known) throws InterruptedException {
        Deadline deadline = deadline();
        call("putAll", root, deadline, () -> {
            Set<String> existing = known != null ? known : listOrCreateRoot(deadline);
            for (int attempt = 0; ; attempt++) {
                List<Op> ops = new ArrayList<>(values.size());
                for (Map.Entry<String, byte[]> e : values.entrySet()) {
                    String path = path(e.getKey());
                    ops.add(existing.contains(e.getKey()) ? Op.setData(path, e.getValue(), -1)
                            : session.ops().createOp(path, e.getValue(), CreateMode.PERSISTENT));
                }
                try {
                    return join(session.ops().multi(ops), deadline);
                } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
                    if (attempt >= MAX_RACE_ATTEMPTS) {
                        throw e;
                    }
                    existing = listOrCreateRoot(deadline); // what we knew was out of date: ask once
                }
            }
        });
    }

    /** One key's entry, or {@code null}. */
    ConfigEntry read(String key) throws InterruptedException {
        String path = path(key);
        Deadline deadline = deadline();
        return call("get", path, deadline, () -> {
            try {
                return entry(key, join(session.ops().getData(path, null), deadline));
            } catch (KeeperException.NoNodeException e) {
                return null;
            }
        });
    }

    /** Every entry: one listing, then all reads pipelined. Not a consistent cut (use a subscription). */
    Map<String, ConfigEntry> readAll() throws InterruptedException {
        Deadline deadline = deadline();
        return call("snapshot", root, deadline, () -> {
            List<String> names;
            try {
                names = join(session.ops().getChildren(root, null), deadline).names();
            } catch (KeeperException.NoNodeException e) {
                return Map.of();
            }
            Map<String, CompletableFuture<AsyncOps.NodeData>> reads = new HashMap<>();
            // why pipelined: every read goes out at once and costs one round trip together
            names.forEach(n -> reads.put(n, session.ops().getData(path(n), null)));
            Map<String, ConfigEntry> out = new HashMap<>();
            for (Map.Entry<String, CompletableFuture<AsyncOps.NodeData>> r : reads.entrySet()) {
                try {
                    out.put(r.getKey(), entry(r.getKey(), join(r.getValue(), deadline)));
                } catch (KeeperException.NoNodeException deletedMeanwhile) {
                    // listed, then removed before its read: absent
                }
            }
            return out;
        });
    }

    /** Wakes every call waiting for a reply: the store is closed, and they throw {@link IllegalStateException}. */
    void close() {
        waiting.forEach(Wait::fire);
    }

    /**
     * The deadline of an untimed call: the retry policy's, so that waiting for one reply cannot
     * outlast it either. {@code RetryPolicy.none()} retries nothing and waits as long as the
     * connection lasts.
     */
    private Deadline deadline() {
        Duration policy = session.settings().retryPolicy().deadline();
        return policy.isZero() ? Deadline.none() : Deadline.after(policy);
    }

    /** Runs {@code attempt} through the retry loop; a failure names {@code operation} and {@code path}. */
    private <T> T call(String operation, String path, Deadline deadline, ZkCall<T> attempt)
            throws InterruptedException {
        try {
            return session.retry(deadline, () -> {
                requireOpen.run();
                return attempt.call();
            });
        } catch (KeeperException e) {
            throw new ZkRecipeException(operation + " at " + path, e);
        }
    }

    /**
     * Waits for a reply until {@code deadline}. The wait also ends on every connection state change
     * (to look again), on the client's close and on the store's: a reply held up by a cut
     * connection fails only at the client's next connection attempt, which can be a second away.
     */
    private <T> T join(CompletableFuture<T> reply, Deadline deadline) throws KeeperException, InterruptedException {
        if (!reply.isDone()) {
            Wait wait = session.newWait();
            waiting.add(wait);
            try {
                reply.whenComplete((v, failure) -> wait.fire());
                while (!reply.isDone()) {
                    requireOpen.run();
                    if (!wait.await(deadline)) {
                        throw new KeeperException.OperationTimeoutException(); // the request may still be applied
                    }
                }
            } finally {
                waiting.remove(wait);
                wait.close();
            }
        }
        return Deadline.none().join(reply);
    }

    private String path(String key) {
        return ZkPaths.join(root, key);
    }

    private static ConfigEntry entry(String key, AsyncOps.NodeData d) {
        Stat s = d.stat();
        return new ConfigEntry(key, d.data(), s.getVersion(), s.getCzxid(), s.getMzxid());
    }

    /** The keys under the root, creating the root when it is missing. */
    private Set<String> listOrCreateRoot(Deadline deadline) throws KeeperException, InterruptedException {
        try {
            return Set.copyOf(join(session.ops().getChildren(root, null), deadline).names());
        } catch (KeeperException.NoNodeException e) {
            ensureRoot(deadline);
            return Set.of();
        }
    }

    private void createWithRoot(String path, byte[] data, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            join(session.ops().create(path, data, CreateMode.PERSISTENT), deadline);
        } catch (KeeperException.NoNodeException e) {
            ensureRoot(deadline);
            join(session.ops().create(path, data, CreateMode.PERSISTENT), deadline);
        }
    }

    /** The root is persistent (an empty configuration stays); its parents are containers. */
    private void ensureRoot(Deadline deadline) throws KeeperException, InterruptedException {
        try {
            join(session.ops().create(root, new byte[0], CreateMode.PERSISTENT), deadline);
        } catch (KeeperException.NodeExistsException e) {
            return;
        } catch (KeeperException.NoNodeException e) {
            join(session.ops().ensureContainers(ZkPaths.parent(root)), deadline);
            try {
                join(session.ops().create(root, new byte[0], CreateMode.PERSISTENT), deadline);
            } catch (KeeperException.NodeExistsException raced) {
                // created by another writer meanwhile
            }
        }
    }
}
