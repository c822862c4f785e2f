package io.zkrecipes.benchmarks;

import io.zkrecipes.state.SharedCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * A shared counter under contention: processes (each its own session) incrementing one counter as
 * fast as they can, our SharedCounter against Curator's DistributedAtomicLong (a read and a
 * compare-and-set per try). Each round also records the server's requests and writes per increment.
 */
final class CounterBench {
    static final long ROUND_MILLIS = 1_000;
    private static final String ZXID_PROBE = "/bench/zxid-probe";

    /** One process's increment: returns the value it produced. */
    @FunctionalInterface
    interface Incrementer {
        long increment() throws Exception;
    }

    /** Opens a session of its own with a counter on {@code path}. */
    @FunctionalInterface
    interface Maker {
        Incrementer open(Env env, String path) throws Exception;
    }

    /** A prepared side: the trial gives increments/s; each round also records requests and writes per increment. */
    record Prepared(Env.Trial trial, Samples requests, Samples writes) {
    }

    private CounterBench() {
    }

    static Maker ours() {
        return (env, path) -> {
            SharedCounter counter = env.closeLater(SharedCounter.create(env.client(), path));
            return counter::incrementAndGet;
        };
    }

    static Maker curator() {
        return (env, path) -> {
            DistributedAtomicLong counter = new DistributedAtomicLong(env.curator(), path, new RetryNTimes(100_000, 0));
            return () -> {
                AtomicValue<Long> v = counter.increment();
                if (!v.succeeded()) {
                    throw new IllegalStateException("increment gave up after 100000 tries");
                }
                return v.postValue();
            };
        };
    }

    /**
     * {@code processes} sessions on one fresh counter, {@code threads} threads each, every thread
     * incrementing in a loop for {@link #ROUND_MILLIS}: the trial's value is increments/s.
     */
    static Prepared prepare(Env env, Maker maker, int processes, int threads) throws Exception {
        String path = env.freshPath("counter");
        List<Incrementer> all = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            Incrementer one = maker.open(env, path);
            for (int t = 0; t < threads; t++) {
                all.add(one);
            }
        }
        all.get(0).increment(); // the node exists before the first round
        ExecutorService pool = env.closeLater(new LockBench.ClosingPool(all.size())).pool();
        ServerStats server = new ServerStats(env.connectString());
        ZooKeeper probe = env.client().unwrap();
        try {
            probe.create(ZXID_PROBE, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
            // made by an earlier preparation
        }
        Samples requests = new Samples();
        Samples writes = new Samples();
        return new Prepared(() -> {
            Map<String, Double> before = server.read();
            long zxid = lastZxid(probe);
            long t0 = System.nanoTime();
            long count = loop(pool, all, t0 + ROUND_MILLIS * 1_000_000);
            double seconds = (System.nanoTime() - t0) / 1e9;
            // every transaction the server logged in between, failed conditional writes included, less the probe's own
            writes.add((lastZxid(probe) - zxid - 1) / (double) count);
            requests.add(ServerStats.traffic(before, server.read()).per(count).requests());
            return count / seconds;
        }, requests, writes);
    }

    private static long loop(ExecutorService pool, List<Incrementer> all, long deadline) throws Exception {
        AtomicLong count = new AtomicLong();
        List<Future<?>> runs = new ArrayList<>();
        for (Incrementer one : all) {
            runs.add(pool.submit(() -> {
                while (System.nanoTime() < deadline) {
                    one.increment();
                    count.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : runs) {
            f.get();
        }
        return count.get();
    }

    /** The zxid of a write made now: the difference between two probes counts the transactions in between. */
    private static long lastZxid(ZooKeeper probe) throws KeeperException, InterruptedException {
        return probe.setData(ZXID_PROBE, new byte[0], -1).getMzxid();
    }
}
