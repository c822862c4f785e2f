package io.zkrecipes.benchmarks;

import io.zkrecipes.benchmarks.Candidates.Candidate;
import io.zkrecipes.benchmarks.Candidates.Joiner;
import io.zkrecipes.benchmarks.Candidates.Maker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;

/** The election measurements, the same code driving ours and Curator's through {@link Candidates}. */
final class ElectionBench {
    static final int FAILOVER_CANDIDATES = 3;
    static final int FAILOVERS_PER_ROUND = 10;
    static final int JOINERS = 10;
    static final int JOINS_PER_ROUND = 3;

    private ElectionBench() {
    }

    /** A leadership callback: who, and when. */
    private record Lead(int who, long nanos) {
    }

    /**
     * Milliseconds from the leader's clean exit call to the next leader's callback, with three
     * candidates on their own sessions; the leader that exits joins again at the back, and the next
     * fail-over starts once its node is in line. {@code counts} gets what the server saw from the
     * exit to the next leader's callback.
     */
    static Env.Trial failover(Env env, Maker maker, BarrierBench.Counts counts) throws Exception {
        String path = env.freshPath("election-failover");
        BlockingQueue<Lead> leads = new LinkedBlockingQueue<>();
        Candidate[] candidates = new Candidate[FAILOVER_CANDIDATES];
        for (int i = 0; i < FAILOVER_CANDIDATES; i++) {
            candidates[i] = joinAs(maker.make(env), path, i, leads);
        }
        env.closeLater(() -> {
            for (Candidate c : candidates) {
                c.close();
            }
        });
        int[] leader = {next(leads).who};
        ServerStats server = new ServerStats(env.connectString());
        ZooKeeper observer = env.client().unwrap();
        return () -> {
            int old = leader[0];
            Map<String, Double> before = server.read();
            long t0 = System.nanoTime();
            candidates[old].exit();
            Lead lead = next(leads);
            counts.add(before, server.read(), 1);
            leader[0] = lead.who;
            candidates[old].rejoin();
            Nodes.awaitChildren(observer, path, FAILOVER_CANDIDATES);
            return (lead.nanos - t0) / 1e6;
        };
    }

    /** Milliseconds from ten candidates joining at once (one thread each) to the first leader's callback. */
    static Env.Trial firstLeader(Env env, Maker maker) throws Exception {
        List<Joiner> joiners = new ArrayList<>();
        for (int i = 0; i < JOINERS; i++) {
            joiners.add(maker.make(env));
        }
        ExecutorService pool = env.closeLater(new LockBench.ClosingPool(JOINERS)).pool();
        ZooKeeper observer = env.client().unwrap();
        return () -> {
            String path = env.freshPath("election-first");
            BlockingQueue<Lead> leads = new LinkedBlockingQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Candidate>> joined = new ArrayList<>();
            for (int i = 0; i < JOINERS; i++) {
                Joiner joiner = joiners.get(i);
                int who = i;
                joined.add(pool.submit(() -> {
                    go.await();
                    return joinAs(joiner, path, who, leads);
                }));
            }
            long t0 = System.nanoTime();
            go.countDown();
            double millis = (next(leads).nanos - t0) / 1e6;
            // let every join land before closing, so no candidate is closed mid-join
            Nodes.awaitChildren(observer, path, JOINERS);
            for (Future<Candidate> f : joined) {
                f.get().close();
            }
            return millis;
        };
    }

    private static Candidate joinAs(Joiner joiner, String path, int who, BlockingQueue<Lead> leads)
            throws Exception {
        return joiner.join(path, () -> leads.add(new Lead(who, System.nanoTime())));
    }

    private static Lead next(BlockingQueue<Lead> leads) throws InterruptedException {
        Lead lead = leads.poll(30, TimeUnit.SECONDS);
        if (lead == null) {
            throw new IllegalStateException("no leader within 30 s");
        }
        return lead;
    }
}
