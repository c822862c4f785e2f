package io.zkrecipes.barrier;

import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.AsyncOps.Children;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;

/**
 * One look at a round of a {@link DoubleBarrier}: whether it has closed, and if not, the version
 * of its {@code open} node and the member ids in it (sorted). Read with three pipelined requests:
 * one round trip.
 */
record RoundView(boolean closed, int openVersion, List<String> ids) {

    /** The three reads in flight, in this order: the watch on ready, open's version, the listing. */
    record Pending(CompletableFuture<Stat> ready, CompletableFuture<Stat> open, CompletableFuture<Children> listing) {
        RoundView await(Deadline deadline) throws KeeperException, InterruptedException {
            Stat openStat = deadline.join(open);
            if (deadline.join(ready) != null || openStat == null) {
                return new RoundView(true, -1, List.of());
            }
            return new RoundView(false, openStat.getVersion(), Rounds.members(deadline.join(listing).names()));
        }
    }

    /** Sends the reads of {@code roundPath}, setting {@code readyWatch} on its ready node. */
    static Pending read(Session session, String roundPath, Watcher readyWatch) {
        return new Pending(session.ops().exists(ZkPaths.join(roundPath, Rounds.READY), readyWatch),
                session.ops().exists(ZkPaths.join(roundPath, Rounds.OPEN), null),
                session.ops().getChildren(roundPath, null));
    }
}
