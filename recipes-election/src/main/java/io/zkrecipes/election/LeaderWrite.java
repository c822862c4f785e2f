package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;

/** {@link LeaderElection#writeAsLeader}: the ops in one {@code multi} behind a check of the leader's node. */
final class LeaderWrite {
    private LeaderWrite() {
    }

    /** Checks {@code ops} (nothing sent if one is null); returns them behind a free first slot. */
    static List<Op> withCheckSlot(List<Op> ops) {
        Objects.requireNonNull(ops, "ops");
        List<Op> all = new ArrayList<>(ops.size() + 1);
        all.add(null);
        for (int i = 0; i < ops.size(); i++) {
            all.add(Objects.requireNonNull(ops.get(i), "ops[" + i + "]"));
        }
        return all;
    }

    /** Sends {@code all} with a check of {@code node} in its first slot; one round trip, not retried. */
    static List<OpResult> send(ZkClient client, String node, List<Op> all, String id, String path)
            throws InterruptedException {
        all.set(0, Op.check(node, -1));
        try {
            List<OpResult> results = AsyncOps.join(Session.of(client).ops().multi(all));
            return List.copyOf(results.subList(1, results.size()));
        } catch (KeeperException e) {
            if (e.code() == KeeperException.Code.SESSIONEXPIRED
                    || (e.code() == KeeperException.Code.NONODE && node.equals(e.getPath()))) {
                throw new NotLeaderException(id + " was deposed as leader of the election at " + path, e);
            }
            throw new ZkRecipeException("write as leader of " + path, e);
        }
    }
}
