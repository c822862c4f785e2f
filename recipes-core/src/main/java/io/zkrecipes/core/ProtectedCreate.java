package io.zkrecipes.core;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Creates a sequential node whose name carries a unique id, so that when the reply is lost
 * (connection loss, or session expiry for persistent nodes) the client finds the node it may
 * have created instead of leaving an orphan behind. The first attempt pipelines the create with
 * a listing of the parent: one round trip gives the node and everyone beside it.
 *
 * <p>Node names are {@code prefix + id + "_" + sequence}; {@code prefix} must not contain '_'.
 */
public final class ProtectedCreate {
    /** The created node and the parent's children as listed right after it (including it). */
    public record Result(AsyncOps.Created node, List<String> siblings) {
        public String name() {
            return ZkPaths.name(node.path());
        }
    }

    private final ZkClient client;
    private final String parent;
    private final String namePrefix;
    private final byte[] data;
    private final CreateMode mode;

    private ProtectedCreate(ZkClient client, String parent, String prefix, byte[] data, CreateMode mode) {
        this.client = client;
        this.parent = ZkPaths.validate(parent, "parent");
        if (prefix.indexOf('_') >= 0 || prefix.indexOf('/') >= 0) {
            throw new IllegalArgumentException("prefix must not contain '_' or '/', was '" + prefix + "'");
        }
        if (!mode.isSequential()) {
            throw new IllegalArgumentException("mode must be sequential, was " + mode);
        }
        this.namePrefix = prefix + UUID.randomUUID() + "_";
        this.data = data;
        this.mode = mode;
    }

    /**
     * Creates the node (and missing parents as containers) and lists the parent, retrying under
     * the client's policy. An ephemeral node found after a lost reply is adopted only if the
     * current session owns it.
     */
    public static Result createAndList(ZkClient client, String parent, String prefix, byte[] data, CreateMode mode)
            throws KeeperException, InterruptedException {
        return new ProtectedCreate(client, parent, prefix, data, mode).run();
    }

    private Result run() throws KeeperException, InterruptedException {
        boolean[] outcomeUnknown = {false};
        try {
            return retrying(outcomeUnknown);
        } catch (InterruptedException e) {
            if (outcomeUnknown[0]) {
                // our node may exist, and nobody would ever delete it: find it in the background
                client.backgroundExecutor().execute(this::deleteOwnQuietly);
            }
            throw e;
        }
    }

    private Result retrying(boolean[] outcomeUnknown) throws KeeperException, InterruptedException {
        return client.retryThroughExpiry(() -> {
            if (outcomeUnknown[0]) {
                Result found = findOwn();
                if (found != null) {
                    return found;
                }
            }
            try {
                return attempt();
            } catch (KeeperException e) {
                outcomeUnknown[0] |= ZkClient.isRetryable(e.code()) || e.code() == KeeperException.Code.SESSIONEXPIRED;
                throw e;
            }
        }, !mode.isEphemeral());
    }

    private Result attempt() throws KeeperException, InterruptedException {
        AsyncOps ops = client.async();
        String path = ZkPaths.join(parent, namePrefix);
        // Pipelined: the listing is sent right behind the create and so already includes our node.
        CompletableFuture<AsyncOps.Created> created = ops.create(path, data, mode);
        CompletableFuture<AsyncOps.Children> listed = ops.getChildren(parent, null);
        AsyncOps.Created node;
        try {
            node = AsyncOps.join(created);
        } catch (KeeperException.NoNodeException e) {
            AsyncOps.join(ops.ensureContainers(parent));
            return attempt();
        } catch (InterruptedException e) {
            // the create is on its way: delete the node when it lands, or it would block the line
            created.thenAccept(n -> client.backgroundExecutor().execute(
                    new BackgroundDelete(client, n.path(), n.stat().getEphemeralOwner())));
            throw e;
        }
        try {
            return new Result(node, AsyncOps.join(listed).names());
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code())) {
                Listings.failIfTooLarge(client, parent, ZkPaths.name(node.path()));
            }
            throw e;
        }
    }

    private void deleteOwnQuietly() {
        try {
            Result own = client.retry(this::findOwn);
            if (own != null) {
                new BackgroundDelete(client, own.node().path(), own.node().stat().getEphemeralOwner()).run();
            }
        } catch (KeeperException | InterruptedException | IllegalStateException e) {
            // ephemeral: it goes with the session; persistent: it stays, as a put that happened
        }
    }

    /** After a lost reply: our node if the server has it (and, if ephemeral, this session owns it). */
    private Result findOwn() throws KeeperException, InterruptedException {
        AsyncOps ops = client.async();
        List<String> siblings;
        try {
            siblings = AsyncOps.join(ops.getChildren(parent, null)).names();
        } catch (KeeperException.NoNodeException e) {
            return null;
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code())) {
                Listings.failIfTooLarge(client, parent, namePrefix + "0000000000");
            }
            throw e;
        }
        for (String name : siblings) {
            if (name.startsWith(namePrefix)) {
                String path = ZkPaths.join(parent, name);
                Stat stat = AsyncOps.join(ops.exists(path, null));
                if (stat == null) {
                    return null;
                }
                if (mode.isEphemeral() && stat.getEphemeralOwner() != client.sessionId()) {
                    // left by a session that is gone: never adopt it
                    deleteQuietly(ops, path);
                    return null;
                }
                return new Result(new AsyncOps.Created(path, stat), siblings);
            }
        }
        return null;
    }

    private static void deleteQuietly(AsyncOps ops, String path) throws InterruptedException {
        try {
            AsyncOps.join(ops.delete(path, -1));
        } catch (KeeperException e) {
            // NONODE: already gone; anything else: the server removes it with its session
        }
    }
}
