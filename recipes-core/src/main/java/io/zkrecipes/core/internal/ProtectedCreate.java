package io.zkrecipes.core.internal;

import io.zkrecipes.core.ZkPaths;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Creates an ephemeral sequential node whose name carries a unique id, so that when the reply is
 * lost the client finds the node it may have created instead of leaving an orphan behind. The
 * first attempt pipelines the create with a listing of the parent: one round trip gives the node
 * and everyone beside it. Whenever the create is given up after it may have been applied (the
 * caller's deadline passed, an interrupt, any other failure), the cleanup path deletes the node
 * if it exists: a given-up create never leaves a node that would block a line.
 *
 * <p>Node names are {@code prefix + id + "_" + sequence}; {@code prefix} must not contain '_'.
 */
public final class ProtectedCreate {
    /** The created node, and the parent's children (including it) and stat as listed right after it. */
    public record Result(AsyncOps.Created node, List<String> siblings, Stat parent) {
        public String name() {
            return ZkPaths.name(node.path());
        }
    }

    private final Session session;
    private final String parent;
    private final String namePrefix;
    private final byte[] data;
    private final Deadline deadline;
    private long owner;
    /** Whether the last create sent may have been applied without our knowing its node. */
    private boolean mayExist;

    private ProtectedCreate(Session session, String parent, String prefix, byte[] data, Deadline deadline) {
        this.session = session;
        this.parent = ZkPaths.validate(parent, "parent");
        if (prefix.indexOf('_') >= 0 || prefix.indexOf('/') >= 0) {
            throw new IllegalArgumentException("prefix must not contain '_' or '/', was '" + prefix + "'");
        }
        this.namePrefix = prefix + UUID.randomUUID() + "_";
        this.data = data;
        this.deadline = deadline;
    }

    /**
     * Creates the node (and missing parents as containers) and lists the parent, retrying
     * connection problems until {@code deadline}. A node found after a lost reply is adopted only
     * if the current session owns it.
     *
     * @throws KeeperException.SessionExpiredException if the session ended meanwhile (join again)
     */
    public static Result createAndList(Session session, String parent, String prefix, byte[] data, Deadline deadline)
            throws KeeperException, InterruptedException {
        return new ProtectedCreate(session, parent, prefix, data, deadline).run();
    }

    private Result run() throws KeeperException, InterruptedException {
        try {
            return session.retry(deadline, this::attemptOrFind);
        } catch (KeeperException | InterruptedException | RuntimeException e) {
            if (mayExist) {
                // our node may exist, and nobody else would ever delete it
                session.deleteOwnedPrefixed(parent, namePrefix, owner);
            }
            throw e;
        }
    }

    private Result attemptOrFind() throws KeeperException, InterruptedException {
        long now = session.sessionId();
        if (now == 0 || (owner != 0 && now != owner)) {
            throw KeeperException.create(KeeperException.Code.SESSIONEXPIRED, parent);
        }
        if (mayExist) {
            Result found = findOwn();
            if (found != null) {
                return found;
            }
            mayExist = false; // not there: the lost create was never applied
        }
        owner = now;
        return attempt();
    }

    private Result attempt() throws KeeperException, InterruptedException {
        AsyncOps ops = session.ops();
        // Pipelined: the listing is sent right behind the create and so already includes our node.
        CompletableFuture<AsyncOps.Created> created =
                ops.create(ZkPaths.join(parent, namePrefix), data, CreateMode.EPHEMERAL_SEQUENTIAL);
        CompletableFuture<AsyncOps.Children> listed = ops.getChildren(parent, null);
        mayExist = true;
        AsyncOps.Created node;
        try {
            node = deadline.join(created);
        } catch (KeeperException.NoNodeException e) {
            mayExist = false;
            deadline.join(ops.ensureContainers(parent));
            return attempt();
        } catch (KeeperException e) {
            // refused (no permission, bad ACL...): certainly not applied; only a connection problem leaves it open
            mayExist = RetryLoop.isRetryable(e.code()) || e.code() == KeeperException.Code.SESSIONEXPIRED;
            throw e;
        }
        try {
            AsyncOps.Children children = deadline.join(listed);
            return new Result(node, children.names(), children.stat());
        } catch (KeeperException e) {
            if (RetryLoop.isRetryable(e.code())) {
                Listings.failIfTooLarge(session, parent, ZkPaths.name(node.path()), deadline);
            }
            throw e;
        }
    }

    /** After a lost reply: our node if the server has it and this session owns it. */
    private Result findOwn() throws KeeperException, InterruptedException {
        AsyncOps ops = session.ops();
        AsyncOps.Children siblings;
        try {
            siblings = deadline.join(ops.getChildren(parent, null));
        } catch (KeeperException.NoNodeException e) {
            return null;
        } catch (KeeperException e) {
            if (RetryLoop.isRetryable(e.code())) {
                Listings.failIfTooLarge(session, parent, namePrefix + "0000000000", deadline);
            }
            throw e;
        }
        for (String name : siblings.names()) {
            if (name.startsWith(namePrefix)) {
                String path = ZkPaths.join(parent, name);
                Stat stat = deadline.join(ops.exists(path, null));
                return stat == null ? null : new Result(new AsyncOps.Created(path, stat), siblings.names(), siblings.stat());
            }
        }
        return null;
    }
}
