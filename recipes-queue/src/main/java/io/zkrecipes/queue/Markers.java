package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;

/**
 * The marker nodes of one queue instance: one per concurrent put or take. A slot is held by one
 * thread from its request until the outcome is known, so the marker's data always belongs to
 * that request. Thread-safe.
 */
final class Markers {
    private final ZkClient client;
    private final QueueLayout layout;
    private final String instanceId = UUID.randomUUID().toString();
    private final Deque<String> free = new ArrayDeque<>();
    private final List<String> all = new ArrayList<>();

    Markers(ZkClient client, QueueLayout layout) {
        this.client = client;
        this.layout = layout;
    }

    /** A marker path for the caller alone until {@link #release}. */
    synchronized String acquire() {
        String path = free.pollFirst();
        if (path == null) {
            path = ZkPaths.join(layout.markers, instanceId + "-" + all.size());
            all.add(path);
        }
        return path;
    }

    synchronized void release(String marker) {
        free.addFirst(marker);
    }

    /** The op that records {@code value} in {@code marker} inside a multi. */
    static Op write(String marker, String value) {
        return Op.setData(marker, value.getBytes(StandardCharsets.UTF_8), -1);
    }

    /** Whether {@code marker} holds {@code value}: the multi that wrote it was applied. */
    boolean holds(String marker, String value) throws KeeperException, InterruptedException {
        try {
            byte[] data = AsyncOps.join(Session.of(client).ops().getData(marker, null)).data();
            return value.equals(new String(data, StandardCharsets.UTF_8));
        } catch (KeeperException.NoNodeException e) {
            return false;
        }
    }

    /** Creates {@code marker} (after a multi failed for its absence); an existing one is fine. */
    void create(String marker) throws KeeperException, InterruptedException {
        try {
            AsyncOps.join(Session.of(client).ops().create(marker, new byte[0], CreateMode.PERSISTENT));
        } catch (KeeperException.NodeExistsException e) {
            // made meanwhile: fine
        } catch (KeeperException.NoNodeException e) {
            AsyncOps.join(Session.of(client).ops().ensureContainers(layout.root));
            createDirectories(client, layout);
            create(marker);
        }
    }

    /** Deletes this instance's markers, in the background; failures are left to the next cleanup. */
    synchronized void deleteAll() {
        for (String path : all) {
            // pipelined: nobody waits for these
            Session.of(client).ops().delete(path, -1);
        }
        all.clear();
        free.clear();
    }

    /** Creates the queue node (parents as containers) and its side directories where missing. */
    static void createQueue(ZkClient client, QueueLayout layout) throws KeeperException, InterruptedException {
        AsyncOps.join(Session.of(client).ops().ensureContainers(ZkPaths.parent(layout.root)));
        try {
            AsyncOps.join(Session.of(client).ops().create(layout.root, new byte[0], CreateMode.PERSISTENT));
        } catch (KeeperException.NodeExistsException e) {
            // an existing queue
        }
        createDirectories(client, layout);
    }

    /** Creates the queue's side directories where missing; all requests pipelined. */
    static void createDirectories(ZkClient client, QueueLayout layout) throws KeeperException, InterruptedException {
        List<java.util.concurrent.CompletableFuture<AsyncOps.Created>> pending = new ArrayList<>();
        for (String dir : layout.directories()) {
            pending.add(Session.of(client).ops().create(dir, new byte[0], CreateMode.PERSISTENT));
        }
        for (java.util.concurrent.CompletableFuture<AsyncOps.Created> f : pending) {
            try {
                AsyncOps.join(f);
            } catch (KeeperException.NodeExistsException e) {
                // already there
            }
        }
    }
}
