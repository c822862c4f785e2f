package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Wait;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;

/**
 * The simplest lock: one fixed ephemeral node at {@link #path()}; whoever creates it holds the
 * lock, the others watch it and try again when it goes.
 *
 * <p><b>When to use which.</b> This lock is unfair and every waiter watches the one node, so each
 * release wakes every waiter at once and each of them sends a create and a read: a herd that grows
 * with the number of waiters. Its uncontended acquire is a single request, so it is fine for a few contenders. Under
 * contention use {@link SequentialLock}: fair (first come, first served), and each release wakes
 * only the next waiter, which needs no request to take over.
 *
 * <p>Costs: an uncontended acquire is one create; a waiter sends a create and a getData (which
 * both sets the watch and reads the holder), and both again on every release. A release is one
 * delete, sent on the holder's own session only, of exactly the node it created: after a lost
 * reply the delete is finished by the client's cleanup path, which never deletes a node that
 * another holder created since. Each acquire writes a unique id as the node's data, so after a
 * lost create reply a node is adopted only if it carries that id and our session owns it. The
 * fencing token is the node's czxid.
 *
 * <p>Thread-owned and reentrant by default (see {@link LockOptions.Ownership}). Thread-safe. See
 * {@link DistributedLock} for the behaviour on {@code SUSPENDED}, {@code LOST} and close.
 */
public final class ExclusiveLock extends AbstractLock {

    private ExclusiveLock(ZkClient client, String path, LockOptions options) {
        super(client, path, options, LockOptions.Ownership.THREAD, "lock");
    }

    /**
     * An exclusive lock at {@code path} with {@linkplain LockOptions#defaults() default options}.
     * Sends nothing: the first acquire does.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid node path or is the root
     * @throws IllegalStateException    if {@code client} is closed
     */
    public static ExclusiveLock create(ZkClient client, String path) {
        return create(client, path, LockOptions.defaults());
    }

    /**
     * An exclusive lock at {@code path}; throws as {@link #create(ZkClient, String)}, and
     * {@link IllegalArgumentException} if {@code options} has a lock delay: a waiter here cannot
     * tell a release from a vanished holder (both delete the one node), so use {@link SequentialLock}.
     */
    public static ExclusiveLock create(ZkClient client, String path, LockOptions options) {
        return new ExclusiveLock(client, path, options.requireNoLockDelay("ExclusiveLock"));
    }

    @Override
    Lease grant(Deadline deadline, boolean tryOnly) throws KeeperException, InterruptedException {
        long owner = session.sessionId();
        requireSession(owner, path());
        // sent on this session only: after its end a create would make a node nobody looks for
        AsyncOps ops = session.opsFor(owner);
        byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
        boolean unsettled = false; // a create of ours may have been applied without our knowing
        try (Wait wait = session.newWait()) {
            while (true) {
                unsettled = true;
                Stat mine = create(ops, id, deadline);
                if (mine != null) {
                    unsettled = false;
                    return newLease(path(), mine.getCzxid(), owner, null);
                }
                NodeWatch watch = tryOnly ? null : new NodeWatch(wait);
                AsyncOps.NodeData holder = readHolder(ops, watch, deadline);
                unsettled = false; // read after our creates on the same session: it sees what they did
                if (holder != null && isOurs(holder, id, owner)) {
                    return newLease(path(), holder.stat().getCzxid(), owner, null); // only the reply was lost
                }
                if (holder != null && (tryOnly || !awaitEvent(watch, owner, path(), deadline))) {
                    if (watch != null) {
                        forgetWatch(path(), watch, Watcher.WatcherType.Data);
                    }
                    return null;
                }
            }
        } finally {
            if (unsettled) {
                abandon(id, owner);
            }
        }
    }

    @Override
    void giveBack(Lease lease) {
        // the token is the node's czxid: the cleanup path deletes that node and no later one
        session.release(path(), lease.sessionId(), lease.fencingToken());
    }

    @Override
    long newestHolderZxid() throws KeeperException, InterruptedException {
        Stat holder = session.retry(Deadline.none(), () -> Deadline.none().join(session.ops().exists(path(), null)));
        return holder == null ? 0 : holder.getCzxid();
    }

    /** Our node's stat, or {@code null} if the node exists. A repeat after a lost reply sees NODEEXISTS. */
    private Stat create(AsyncOps ops, byte[] id, Deadline deadline) throws KeeperException, InterruptedException {
        try {
            return session.retry(deadline,
                    () -> deadline.join(ops.createWithParents(path(), id, CreateMode.EPHEMERAL))).stat();
        } catch (KeeperException.NodeExistsException held) {
            return null;
        }
    }

    /** The holder's data, watching the node unless {@code watch} is null; {@code null} if it is gone. */
    private AsyncOps.NodeData readHolder(AsyncOps ops, Watcher watch, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            return session.retry(deadline, () -> deadline.join(ops.getData(path(), watch)));
        } catch (KeeperException.NoNodeException gone) {
            return null;
        }
    }

    private static boolean isOurs(AsyncOps.NodeData node, byte[] id, long owner) {
        return node.stat().getEphemeralOwner() == owner && Arrays.equals(node.data(), id);
    }

    /** After a give-up with a create in doubt: the cleanup path deletes the node if that create made it. */
    private void abandon(byte[] id, long owner) {
        if (session.sessionId() != owner) {
            return; // any node of ours went with the session
        }
        try {
            session.workers().execute(() -> deleteIfOurs(id, owner));
        } catch (RejectedExecutionException closed) {
            // the client is closing: the node goes with its session
        }
    }

    /**
     * Reads the node on our session (so after our create) until the answer is known or the session
     * ends, and hands it to the cleanup path if it carries our id. Runs on the client's workers.
     */
    private void deleteIfOurs(byte[] id, long owner) {
        AsyncOps ops = session.opsFor(owner);
        while (session.sessionId() == owner) {
            try {
                AsyncOps.NodeData node = session.retry(Deadline.none(),
                        () -> Deadline.none().join(ops.getData(path(), null)));
                if (isOurs(node, id, owner)) {
                    session.deleteOwned(path(), owner, node.stat().getCzxid());
                }
                return;
            } catch (KeeperException e) {
                if (!isConnectionFailure(e)) {
                    return; // NONODE: nothing was made; SESSIONEXPIRED: it went with the session
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the client's workers are shutting down
                return;
            } catch (IllegalStateException closed) {
                return; // the client is closed: the node went with its session
            }
        }
    }
}
