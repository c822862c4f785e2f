package io.zkrecipes.lock;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
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
    private final Session session;
    private final String path;

    ExclusiveGrantor(Session session, String path) {
        this.session = session;
        this.path = path;
    }

    @Override
    public Claim acquire(Deadline deadline, boolean tryOnly) throws InterruptedException {
        byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
        long owner = session.sessionId();
        Claim claim = null;
        try {
            claim = Lines.rejoiningOnExpiry(session, (d, t) -> loop(id, d, t), deadline, tryOnly, "acquire lock " + path);
            return claim;
        } finally {
            if (claim == null) {
                abandon(id, owner);
            }
        }
    }

    private Claim loop(byte[] id, Deadline deadline, boolean tryOnly) throws KeeperException, InterruptedException {
        try (Wait wait = session.newWait()) {
            while (true) {
                Stat mine = create(id, deadline);
                if (mine != null) {
                    return claim(mine);
                }
                AsyncOps.NodeData holder = readHolder(wait, deadline);
                if (holder != null && isOurs(holder, id)) {
                    return claim(holder.stat()); // our create went through; only its reply was lost
                }
                if (holder != null && (tryOnly || !wait.await(deadline))) {
                    session.ops().removeWatches(path, wait, Watcher.WatcherType.Data);
                    return null;
                }
            }
        }
    }

    /** Our node's stat, or {@code null} if the node exists. Retried: a repeat after a lost reply sees NODEEXISTS. */
    private Stat create(byte[] id, Deadline deadline) throws KeeperException, InterruptedException {
        try {
            return session.retry(deadline,
                    () -> deadline.join(session.ops().createWithParents(path, id, CreateMode.EPHEMERAL))).stat();
        } catch (KeeperException.NodeExistsException held) {
            return null;
        }
    }

    /** The holder's data, watching the node; {@code null} if it is gone. */
    private AsyncOps.NodeData readHolder(Watcher watch, Deadline deadline) throws KeeperException, InterruptedException {
        try {
            return session.retry(deadline, () -> deadline.join(session.ops().getData(path, watch)));
        } catch (KeeperException.NoNodeException gone) {
            return null;
        }
    }

    private boolean isOurs(AsyncOps.NodeData holder, byte[] id) {
        return holder.stat().getEphemeralOwner() == session.sessionId() && Arrays.equals(holder.data(), id);
    }

    private Claim claim(Stat stat) {
        long owner = stat.getEphemeralOwner();
        long czxid = stat.getCzxid();
        // the release deletes exactly this node: a retried delete never frees a later holder's node
        return new Claim(path, czxid, owner, () -> session.release(path, owner, czxid));
    }

    /** After a timeout, failure or interrupt: delete the node if a create of ours went through after all. */
    private void abandon(byte[] id, long owner) {
        if (owner == 0 || session.sessionId() != owner) {
            return; // nothing was sent on a live session, or the node went with it
        }
        try {
            session.workers().execute(() -> findAndRelease(id, owner));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the client is closing: the node goes with the session
        }
    }

    private void findAndRelease(byte[] id, long owner) {
        {
            try {
                // sent after our create on the same session, so it sees that create's effect
                AsyncOps.NodeData node = session.retry(Deadline.none(),
                        () -> Deadline.none().join(session.opsFor(owner).getData(path, null)));
                if (node.stat().getEphemeralOwner() == owner && Arrays.equals(node.data(), id)) {
                    session.release(path, owner, node.stat().getCzxid());
                }
            } catch (KeeperException | RuntimeException e) {
                // gone, or our session with it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
