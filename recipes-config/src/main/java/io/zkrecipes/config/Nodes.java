package io.zkrecipes.config;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkCall;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.data.Stat;

/**
 * The store's requests to ZooKeeper, one key per child node of the root. Every method blocks,
 * retries connection loss under the client's retry policy, and throws what ZooKeeper reports;
 * {@link #call} turns that into a {@link ZkRecipeException} naming the operation and path.
 */
final class Nodes {
    private static final int MAX_RACE_ATTEMPTS = 10;

    private final ZkClient client;
    private final String root;

    Nodes(ZkClient client, String root) {
        this.client = client;
        this.root = root;
    }

    String path(String key) {
        return ZkPaths.join(root, key);
    }

    /** Runs {@code work}; a failure names {@code operation} and the key's path (the root if empty). */
    <T> T call(String operation, String key, ZkCall<T> work) throws InterruptedException {
        try {
            return work.call();
        } catch (KeeperException e) {
            throw new ZkRecipeException(operation + " at " + (key.isEmpty() ? root : path(key)), e);
        }
    }

    /** Writes {@code key}, creating it (and the root) if missing; {@code likelyAbsent} tries create first. */
    Stat put(String key, byte[] data, boolean likelyAbsent) throws KeeperException, InterruptedException {
        String path = path(key);
        return client.retry(() -> {
            boolean create = likelyAbsent;
            for (int attempt = 0; ; attempt++) {
                try {
                    return create ? AsyncOps.join(Session.of(client).ops().create(path, data, CreateMode.PERSISTENT)).stat()
                            : AsyncOps.join(Session.of(client).ops().setData(path, data, -1));
                } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
                    if (attempt >= MAX_RACE_ATTEMPTS) {
                        throw e;
                    }
                    if (create && e.code() == KeeperException.Code.NONODE) {
                        ensureRoot();
                    } else {
                        create = !create; // someone created or deleted the key meanwhile
                    }
                }
            }
        });
    }

    /** Creates {@code key} if absent ({@code version} -1) or writes it if at {@code version}. */
    boolean compareAndSet(String key, int version, byte[] data) throws KeeperException, InterruptedException {
        String path = path(key);
        return client.retry(() -> {
            try {
                if (version >= 0) {
                    AsyncOps.join(Session.of(client).ops().setData(path, data, version));
                } else {
                    createWithRoot(path, data);
                }
                return true;
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException
                    | KeeperException.NodeExistsException e) {
                return false;
            }
        });
    }

    boolean remove(String key) throws KeeperException, InterruptedException {
        String path = path(key);
        return client.retry(() -> {
            try {
                AsyncOps.join(Session.of(client).ops().delete(path, -1));
                return true;
            } catch (KeeperException.NoNodeException e) {
                return false;
            }
        });
    }

    /** One multi: setData for keys in {@code known}, create for the others; re-lists after a race. */
    void putAll(Map<String, byte[]> values, ZkCall<Set<String>> known) throws KeeperException, InterruptedException {
        client.retry(() -> {
            Set<String> existing = known.call();
            for (int attempt = 0; ; attempt++) {
                List<Op> ops = new ArrayList<>(values.size());
                for (Map.Entry<String, byte[]> e : values.entrySet()) {
                    String path = path(e.getKey());
                    ops.add(existing.contains(e.getKey()) ? Op.setData(path, e.getValue(), -1)
                            : Session.of(client).ops().createOp(path, e.getValue(), CreateMode.PERSISTENT));
                }
                try {
                    return AsyncOps.join(Session.of(client).ops().multi(ops));
                } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
                    if (attempt >= MAX_RACE_ATTEMPTS) {
                        throw e;
                    }
                    existing = Set.copyOf(listOrCreateRoot()); // our knowledge was stale: ask once
                }
            }
        });
    }

    /** The keys under the root, creating the root when it is missing. */
    List<String> listOrCreateRoot() throws KeeperException, InterruptedException {
        try {
            return AsyncOps.join(Session.of(client).ops().getChildren(root, null)).names();
        } catch (KeeperException.NoNodeException e) {
            ensureRoot();
            return List.of();
        }
    }

    /** One key's entry, or {@code null}. */
    ConfigEntry read(String key) throws KeeperException, InterruptedException {
        return client.retry(() -> {
            try {
                AsyncOps.NodeData d = AsyncOps.join(Session.of(client).ops().getData(path(key), null));
                return entry(key, d);
            } catch (KeeperException.NoNodeException e) {
                return null;
            }
        });
    }

    /** Every entry: one listing, then all reads pipelined. Not a consistent cut (use a subscription). */
    Map<String, ConfigEntry> readAll() throws KeeperException, InterruptedException {
        return client.retry(() -> {
            List<String> names;
            try {
                names = AsyncOps.join(Session.of(client).ops().getChildren(root, null)).names();
            } catch (KeeperException.NoNodeException e) {
                return Map.of();
            }
            Map<String, CompletableFuture<AsyncOps.NodeData>> reads = new HashMap<>();
            // why pipelined: every read goes out at once and costs one round trip together
            names.forEach(n -> reads.put(n, Session.of(client).ops().getData(path(n), null)));
            Map<String, ConfigEntry> out = new HashMap<>();
            for (Map.Entry<String, CompletableFuture<AsyncOps.NodeData>> r : reads.entrySet()) {
                try {
                    out.put(r.getKey(), entry(r.getKey(), AsyncOps.join(r.getValue())));
                } catch (KeeperException.NoNodeException deletedMeanwhile) {
                    // listed, then removed before its read: absent
                }
            }
            return out;
        });
    }

    private static ConfigEntry entry(String key, AsyncOps.NodeData d) {
        Stat s = d.stat();
        return new ConfigEntry(key, d.data(), s.getVersion(), s.getCzxid(), s.getMzxid());
    }

    private void createWithRoot(String path, byte[] data) throws KeeperException, InterruptedException {
        try {
            AsyncOps.join(Session.of(client).ops().create(path, data, CreateMode.PERSISTENT));
        } catch (KeeperException.NoNodeException e) {
            ensureRoot();
            AsyncOps.join(Session.of(client).ops().create(path, data, CreateMode.PERSISTENT));
        }
    }

    /** The root is persistent (an empty configuration stays); its parents are containers. */
    private void ensureRoot() throws KeeperException, InterruptedException {
        String parent = ZkPaths.parent(root);
        try {
            AsyncOps.join(Session.of(client).ops().create(root, new byte[0], CreateMode.PERSISTENT));
        } catch (KeeperException.NodeExistsException e) {
            return;
        } catch (KeeperException.NoNodeException e) {
            AsyncOps.join(Session.of(client).ops().ensureContainers(parent));
            try {
                AsyncOps.join(Session.of(client).ops().create(root, new byte[0], CreateMode.PERSISTENT));
            } catch (KeeperException.NodeExistsException raced) {
                // created by another writer meanwhile
            }
        }
    }
}
