package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;

/**
 * Grants by creating one fixed ephemeral node; waiters watch it with getData (one request sets the
 * watch and tells the holder) and try again when it goes. Each acquire writes a unique id as the
 * node's data, so after a lost create reply a node is adopted only if it carries our id and our
 * session owns it. Not fair: every waiter wakes when the holder goes, and one of them wins.
 */
final class ExclusiveGrantor implements Grantor {
    private final ZkClient client;
    private final String path;
    private final Signal signal = new Signal();

    ExclusiveGrantor(ZkClient client, String path) {
        this.client = client;
        this.path = path;
    }

    @Override
    public Claim acquire(long deadlineNanos, boolean tryOnly) throws InterruptedException {
        byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
        try {
            return loop(id, deadlineNanos, tryOnly);
        } catch (KeeperException e) {
            abandon(id);
            throw new ZkRecipeException("acquire lock " + path, e);
        } catch (InterruptedException | RuntimeException e) {
            abandon(id);
            throw e;
        }
    }

    private Claim loop(byte[] id, long deadlineNanos, boolean tryOnly) throws KeeperException, InterruptedException {
        while (true) {
            long seen = signal.version();
            try {
                Stat mine = create(id);
                if (mine != null) {
                    return claim(mine);
                }
                OneShotWatch watch = new OneShotWatch(signal, client);
                AsyncOps.NodeData holder = readHolder(watch);
                if (holder != null && isOurs(holder, id)) {
                    return claim(holder.stat()); // our create went through; only its reply was lost
                }
                if (holder != null && (tryOnly || !watch.await(client, seen, deadlineNanos))) {
                    Session.of(client).ops().removeWatches(path, watch, Watcher.WatcherType.Data);
                    return null;
                }
            } catch (KeeperException.SessionExpiredException e) {
                // a node of ours went with the session; try again on the new one
                if (tryOnly || !Waits.awaitConnected(client, deadlineNanos)) {
                    return null;
                }
            }
        }
    }

    /** Our node's stat, or {@code null} if the node exists. Retried: a repeat after a lost reply sees NODEEXISTS. */
    private Stat create(byte[] id) throws KeeperException, InterruptedException {
        try {
            return client.retry(() -> AsyncOps.join(Session.of(client).ops().createWithParents(path, id, CreateMode.EPHEMERAL)))
                    .stat();
        } catch (KeeperException.NodeExistsException held) {
            return null;
        }
    }

    /** The holder's data, watching the node; {@code null} if it is gone. */
    private AsyncOps.NodeData readHolder(Watcher watch) throws KeeperException, InterruptedException {
        try {
            return client.retry(() -> AsyncOps.join(Session.of(client).ops().getData(path, watch)));
        } catch (KeeperException.NoNodeException gone) {
            return null;
        }
    }

    private boolean isOurs(AsyncOps.NodeData holder, byte[] id) {
        return holder.stat().getEphemeralOwner() == client.sessionId() && Arrays.equals(holder.data(), id);
    }

    private Claim claim(Stat stat) {
        long session = stat.getEphemeralOwner();
        return new Claim(path, stat.getCzxid(), session, () -> NodeDeleter.delete(client, path, session, true));
    }

    /** After a failure or interrupt: delete the node if a create of ours went through after all. */
    private void abandon(byte[] id) {
        if (client.isClosed()) {
            return;
        }
        long session = client.sessionId();
        Background.EXECUTOR.execute(() -> {
            try {
                // sent after our create on the same session, so it sees that create's effect
                AsyncOps.NodeData node = client.retry(() -> AsyncOps.join(Session.of(client).ops().getData(path, null)));
                if (node.stat().getEphemeralOwner() == session && Arrays.equals(node.data(), id)) {
                    NodeDeleter.delete(client, path, session, true);
                }
            } catch (KeeperException | RuntimeException e) {
                // gone, or our session with it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public void wake() {
        signal.fire();
    }
}
