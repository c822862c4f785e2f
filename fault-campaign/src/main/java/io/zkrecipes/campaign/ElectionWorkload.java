package io.zkrecipes.campaign;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.election.LeaderElection;
import io.zkrecipes.election.NotLeaderException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;

/**
 * Every worker runs for leader; the leader writes its term's fencing token and a sequence number to
 * the store, then the same through {@code writeAsLeader} to a node in ZooKeeper, whose reply
 * carries the zxid that orders the writes of all leaders.
 *
 * <p>Operations: {@code store-write} (input: the token; ok when accepted), {@code zk-write}
 * (input: the token; ok: the write's zxid; failed: deposed; unknown: the reply was lost).
 */
final class ElectionWorkload implements Workload {
    static final String NAME = "election";
    static final String KEY = "leader";
    static final String PATH = "/campaign/election";
    static final String DATA = "/campaign/leader-data";

    @Override
    public void run(Context ctx) throws InterruptedException {
        try (LeaderElection election = LeaderElection.builder(ctx.client(), PATH, ctx.worker()).build()) {
            election.start();
            long sequence = 0;
            while (ctx.running().getAsBoolean()) {
                if (!election.awaitLeadership(Duration.ofSeconds(1))) {
                    continue;
                }
                OptionalLong token = election.fencingToken();
                if (token.isPresent()) {
                    sequence++;
                    writeStore(ctx, token.getAsLong(), sequence);
                    writeZooKeeper(ctx, election, token.getAsLong(), sequence);
                }
                ctx.pause(50, 150);
            }
        }
    }

    private static void writeStore(Context ctx, long token, long sequence) {
        long id = ctx.history().invoke(NAME, "store-write", token);
        try {
            if (ctx.store().write(KEY, token, sequence)) {
                ctx.history().ok(id, NAME, "store-write", sequence);
            } else {
                ctx.history().fail(id, NAME, "store-write", "stale token");
            }
        } catch (IOException e) {
            ctx.history().unknown(id, NAME, "store-write", e.getMessage());
        }
    }

    private static void writeZooKeeper(Context ctx, LeaderElection election, long token, long sequence)
            throws InterruptedException {
        long id = ctx.history().invoke(NAME, "zk-write", token);
        byte[] data = (ctx.worker() + " " + token + " " + sequence).getBytes(StandardCharsets.UTF_8);
        try {
            List<OpResult> results = election.writeAsLeader(List.of(Op.setData(DATA, data, -1)));
            long zxid = ((OpResult.SetDataResult) results.get(0)).getStat().getMzxid();
            ctx.history().ok(id, NAME, "zk-write", zxid);
        } catch (NotLeaderException e) {
            ctx.history().fail(id, NAME, "zk-write", "not leader");
        } catch (ZkRecipeException e) {
            ctx.history().unknown(id, NAME, "zk-write", e.getMessage());
        } catch (IllegalStateException e) {
            ctx.history().fail(id, NAME, "zk-write", "closed");
        }
    }
}
