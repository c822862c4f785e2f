package io.zkrecipes.benchmarks;

import io.zkrecipes.core.ZkClient;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The floor every recipe is measured against, on the raw ZooKeeper handle: a synchronous write's
 * round trip, the pipelined write ceiling of one session, and a synchronous read.
 */
final class FloorScenarios {
    static final byte[] ITEM = new byte[100];
    private static final int SYNC_OPS = 200;
    private static final int PIPELINED_OPS = 2_000;

    private FloorScenarios() {
    }

    static List<Scenario> all() {
        return List.of(
                Scenario.of("floor-write", "synchronous create+delete of a 100-byte node, one session",
                        FloorScenarios::write),
                Scenario.of("floor-pipelined", PIPELINED_OPS + " creates then " + PIPELINED_OPS
                        + " deletes sent back to back on one session", FloorScenarios::pipelined),
                Scenario.of("floor-read", "synchronous getData of a 100-byte node", FloorScenarios::read));
    }

    private static void write(Env env, Report report) throws Exception {
        ZooKeeper zk = env.client().unwrap();
        String path = env.freshPath("floor-write");
        Samples s = env.collect(SYNC_OPS, () -> {
            long t0 = System.nanoTime();
            zk.create(path, ITEM, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            zk.delete(path, -1);
            return Env.millisSince(t0);
        });
        report.floor("floor-write", "ms", Figure.latency(s), "create+delete, 2 round trips");
    }

    private static void pipelined(Env env, Report report) throws Exception {
        ZkClient client = env.client();
        String parent = env.freshPath("floor-pipelined");
        client.unwrap().create(parent, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        Samples s = env.collect(1, () -> {
            ZooKeeper zk = client.unwrap();
            long t0 = System.nanoTime();
            CountDownLatch created = new CountDownLatch(PIPELINED_OPS);
            AtomicInteger failures = new AtomicInteger();
            for (int i = 0; i < PIPELINED_OPS; i++) {
                zk.create(parent + "/n" + i, ITEM, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
                        (rc, p, ctx, name) -> done(rc, failures, created), null);
            }
            CountDownLatch deleted = new CountDownLatch(PIPELINED_OPS);
            for (int i = 0; i < PIPELINED_OPS; i++) {
                zk.delete(parent + "/n" + i, -1, (rc, p, ctx) -> done(rc, failures, deleted), null);
            }
            await(created);
            await(deleted);
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " pipelined requests failed");
            }
            return 2.0 * PIPELINED_OPS / ((System.nanoTime() - t0) / 1e9);
        });
        report.floor("floor-pipelined", "writes/s", Figure.rate(s), "one session, 100-byte nodes");
    }

    private static void read(Env env, Report report) throws Exception {
        ZooKeeper zk = env.client().unwrap();
        String path = env.freshPath("floor-read");
        zk.create(path, ITEM, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        Samples s = env.collect(SYNC_OPS * 2, () -> {
            long t0 = System.nanoTime();
            zk.getData(path, false, null);
            return Env.millisSince(t0);
        });
        report.floor("floor-read", "ms", Figure.latency(s), "getData, 1 round trip");
    }

    private static void done(int rc, AtomicInteger failures, CountDownLatch latch) {
        if (rc != KeeperException.Code.OK.intValue()) {
            failures.incrementAndGet();
        }
        latch.countDown();
    }

    static void await(CountDownLatch latch) throws InterruptedException {
        if (!latch.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("timed out after 60 s with " + latch.getCount() + " outstanding");
        }
    }
}
