package io.zkrecipes.queue;

import io.zkrecipes.core.AsyncOps;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Requests pinned to one session's handle. A claim is an ephemeral node of that session; sending
 * its completion on the same handle makes the claim check exact: once the session is gone the
 * server refuses the request (SESSIONEXPIRED) instead of applying it for a newer claimant.
 */
final class SessionBound {
    final ZooKeeper zk;
    final long sessionId;

    SessionBound(ZooKeeper zk) {
        this.zk = zk;
        this.sessionId = zk.getSessionId();
    }

    /** Applies all ops or none; fails with the first failing op's code and path. */
    List<OpResult> multi(List<Op> ops) throws KeeperException, InterruptedException {
        return AsyncOps.join(multiAsync(ops));
    }

    /** {@link #multi} without waiting. */
    CompletableFuture<List<OpResult>> multiAsync(List<Op> ops) {
        CompletableFuture<List<OpResult>> f = new CompletableFuture<>();
        zk.multi(ops, (rc, p, ctx, results) -> {
            if (rc == Code.OK.intValue()) {
                f.complete(results);
            } else {
                f.completeExceptionally(failure(rc, ops, results));
            }
        }, null);
        return f;
    }

    /** Reads a node on this session; fails with NONODE if it is missing. */
    CompletableFuture<byte[]> getData(String path) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        zk.getData(path, false, (rc, p, ctx, data, stat) -> {
            if (rc == Code.OK.intValue()) {
                f.complete(data);
            } else {
                f.completeExceptionally(KeeperException.create(Code.get(rc), p));
            }
        }, null);
        return f;
    }

    /** The node's stat, or null if it does not exist. */
    Stat exists(String path) throws KeeperException, InterruptedException {
        CompletableFuture<Stat> f = new CompletableFuture<>();
        zk.exists(path, false, (rc, p, ctx, stat) -> {
            if (rc == Code.OK.intValue() || rc == Code.NONODE.intValue()) {
                f.complete(stat);
            } else {
                f.completeExceptionally(KeeperException.create(Code.get(rc), p));
            }
        }, null);
        return AsyncOps.join(f);
    }

    private static KeeperException failure(int rc, List<Op> ops, List<OpResult> results) {
        if (results != null) {
            for (int i = 0; i < results.size() && i < ops.size(); i++) {
                if (results.get(i) instanceof OpResult.ErrorResult err && err.getErr() != Code.OK.intValue()
                        && err.getErr() != Code.RUNTIMEINCONSISTENCY.intValue()) {
                    return KeeperException.create(Code.get(err.getErr()), ops.get(i).getPath());
                }
            }
        }
        return KeeperException.create(Code.get(rc));
    }
}
