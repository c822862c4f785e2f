package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;

/**
 * Requests pinned to the session current at construction. A claim is an ephemeral node of that
 * session; sending its completion on the same session makes the claim check exact: once the
 * session is gone the request fails (SESSIONEXPIRED) instead of applying it for a newer claimant.
 */
final class SessionBound {
    final long sessionId;
    private final AsyncOps ops;

    SessionBound(ZkClient client) {
        this.sessionId = client.sessionId();
        this.ops = Session.of(client).opsFor(sessionId);
    }

    /** Applies all ops or none; fails with the first failing op's code and path. */
    List<OpResult> multi(List<Op> ops) throws KeeperException, InterruptedException {
        return AsyncOps.join(multiAsync(ops));
    }

    /** {@link #multi} without waiting. */
    CompletableFuture<List<OpResult>> multiAsync(List<Op> operations) {
        return ops.multi(operations);
    }

    /** Reads a node on this session; fails with NONODE if it is missing. */
    CompletableFuture<byte[]> getData(String path) {
        return ops.getData(path, null).thenApply(AsyncOps.NodeData::data);
    }

    /** The node's stat, or null if it does not exist. */
    Stat exists(String path) throws KeeperException, InterruptedException {
        return AsyncOps.join(ops.exists(path, null));
    }
}
