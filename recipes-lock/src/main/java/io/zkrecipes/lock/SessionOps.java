package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;

/**
 * Requests bound to one session: sent on the handle of that session only, so they fail with
 * SESSIONEXPIRED instead of running on a newer session. A fixed-name node (the exclusive lock's)
 * may belong to another session once ours is gone: deleting or guarding it from a newer session
 * would act on someone else's hold.
 */
final class SessionOps {
    private SessionOps() {
    }

    static CompletableFuture<Void> delete(ZkClient client, long sessionId, String path) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        ZooKeeper zk = handleOf(client, sessionId, path, f);
        if (zk != null) {
            zk.delete(path, -1, (rc, p, ctx) -> {
                if (rc == Code.OK.intValue()) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(KeeperException.create(Code.get(rc), p));
                }
            }, null);
        }
        return f;
    }

    /** All of {@code ops} or none; fails with the first failing operation's code and path. */
    static CompletableFuture<List<OpResult>> multi(ZkClient client, long sessionId, List<Op> ops) {
        CompletableFuture<List<OpResult>> f = new CompletableFuture<>();
        ZooKeeper zk = handleOf(client, sessionId, ops.get(0).getPath(), f);
        if (zk != null) {
            zk.multi(ops, (rc, p, ctx, results) -> {
                if (rc == Code.OK.intValue()) {
                    f.complete(results);
                } else {
                    f.completeExceptionally(failure(rc, ops, results));
                }
            }, null);
        }
        return f;
    }

    private static ZooKeeper handleOf(ZkClient client, long sessionId, String path, CompletableFuture<?> f) {
        ZooKeeper zk = client.unwrap();
        if (zk.getSessionId() != sessionId) {
            f.completeExceptionally(KeeperException.create(Code.SESSIONEXPIRED, path));
            return null;
        }
        return zk;
    }

    private static KeeperException failure(int rc, List<Op> ops, List<OpResult> results) {
        for (int i = 0; results != null && i < results.size() && i < ops.size(); i++) {
            if (results.get(i) instanceof OpResult.ErrorResult err && err.getErr() != Code.OK.intValue()
                    && err.getErr() != Code.RUNTIMEINCONSISTENCY.intValue()) {
                return KeeperException.create(Code.get(err.getErr()), ops.get(i).getPath());
            }
        }
        return KeeperException.create(Code.get(rc));
    }
}
