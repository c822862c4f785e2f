package io.zkrecipes.naming;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * Cluster-wide unique names: 19-digit numbers that no process connected to the same ensemble
 * ever receives twice, ordered by the time they were handed out. Callers add their own prefix
 * ({@code "job-" + names.next()}).
 *
 * <p>Each name costs one write and one round trip: an empty {@code setData} on the generator's
 * node at {@code path}, whose reply carries the zxid of that write (the id of the transaction,
 * 64 bits, unique across the ensemble and increasing in the order the ensemble applied its
 * writes). Names therefore compare, as zero-padded strings or as {@link #nextNumber()} values,
 * in the order they were handed out cluster-wide, and one generator's names increase. Unlike
 * names built from a parent's 32-bit sequence counter they never repeat when that counter wraps
 * or the node is deleted and created again.
 *
 * <p>No node is ever created per name, so none can be left behind: a write whose reply is lost
 * only costs a number that nobody receives. The generator's node is created on first use (its
 * parents as container nodes), persistent and empty; the creation's zxid is then the name.
 *
 * <p>Thread-safe; made without any request. Calls block for the round trip; while the client
 * is {@code SUSPENDED} they retry under the client's retry policy, after {@code LOST} they
 * continue on the new session (the node is persistent), and they throw
 * {@link ZkRecipeException} once the policy's deadline has passed.
 */
public final class UniqueNameGenerator implements AutoCloseable {
    private static final byte[] NO_DATA = new byte[0];

    private final Session session;
    private final String path;
    private volatile boolean closed;

    private UniqueNameGenerator(Session session, String path) {
        this.session = session;
        this.path = path;
    }

    /**
     * A generator that writes the node at {@code path}. Sends nothing.
     *
     * @param client the client to use; it is not closed by {@link #close()}
     * @param path   the generator's node, like {@code /names/orders}; every generator of one
     *               sequence of names uses the same path
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path or is the root
     * @throws IllegalStateException    if the client is closed
     */
    public static UniqueNameGenerator create(ZkClient client, String path) {
        Session session = Session.of(client);
        session.requireOpen();
        ZkPaths.validate(path, "path");
        if (path.equals("/")) {
            throw new IllegalArgumentException("path must not be the root");
        }
        return new UniqueNameGenerator(session, path);
    }

    /**
     * A new unique name: {@link #nextNumber()} zero-padded to 19 digits, so that names sort as
     * strings in the order they were handed out. Blocks for one round trip.
     *
     * @throws IllegalStateException if this generator is closed, or its client (also while the call is blocked)
     * @throws ZkRecipeException     if the ensemble stays unreachable past the retry deadline
     * @throws InterruptedException  if interrupted while waiting
     */
    public String next() throws InterruptedException {
        return String.format("%019d", nextNumber());
    }

    /**
     * A new unique positive number, greater than every number handed out (by any generator of
     * this path) before this call started. Blocks for one round trip.
     *
     * @throws IllegalStateException if this generator is closed, or its client (also while the call is blocked)
     * @throws ZkRecipeException     if the ensemble stays unreachable past the retry deadline
     * @throws InterruptedException  if interrupted while waiting
     */
    public long nextNumber() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("unique name generator for " + path + " is closed");
        }
        Deadline deadline = Deadline.after(session.settings().retryPolicy().deadline());
        try {
            // a repeated write is harmless: it only skips a number
            return session.retryThroughExpiry(deadline, () -> write(deadline));
        } catch (KeeperException e) {
            throw new ZkRecipeException("generate a unique name at " + path, e);
        }
    }

    /** The generator's node. */
    public String path() {
        return path;
    }

    /** Marks the generator closed; it owns nothing between calls. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    private long write(Deadline deadline) throws KeeperException, InterruptedException {
        AsyncOps ops = session.ops();
        try {
            return deadline.join(ops.setData(path, NO_DATA, -1)).getMzxid();
        } catch (KeeperException.NoNodeException missing) {
            try {
                // first use (or the node was deleted): the creation is this name's one write
                return deadline.join(ops.createWithParents(path, NO_DATA, CreateMode.PERSISTENT)).stat().getCzxid();
            } catch (KeeperException.NodeExistsException raced) {
                return deadline.join(ops.setData(path, NO_DATA, -1)).getMzxid();
            }
        }
    }

    @Override
    public String toString() {
        return "UniqueNameGenerator[" + path + "]";
    }
}
