package io.zkrecipes.benchmarks;

import io.zkrecipes.barrier.DoubleBarrier;
import io.zkrecipes.core.ZkClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;

/**
 * Double barriers, ours and Curator's DistributedDoubleBarrier: nine members wait in enter (or
 * leave), then the tenth arrives; the time from its call until the last of the ten returns.
 */
final class BarrierBench {
    static final int MEMBERS = 10;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A member of one barrier round. */
    interface Member {
        void enter() throws Exception;

        void leave() throws Exception;
    }

    /** Makes members on the session of one simulated process. */
    @FunctionalInterface
    interface Process {
        Member member(String path, int who) throws Exception;
    }

    /** Opens a session of its own. */
    @FunctionalInterface
    interface Maker {
        Process open(Env env) throws Exception;
    }

    /** A side prepared: the trial gives enter's figure and records leave's, and what the server saw per member. */
    record Prepared(Env.Trial trial, Samples leave, Counts enterCounts, Counts leaveCounts) {
    }

    /**
     * What the server saw per operation, one sample per trial: requests received, writes among them
     * (each request that made a transaction, failed multis included) and watch events fired. The
     * election scenarios count the same way.
     */
    record Counts(Samples requests, Samples writes, Samples notifications) {
        Counts() {
            this(new Samples(), new Samples(), new Samples());
        }

        void add(Map<String, Double> before, Map<String, Double> after, double operations) {
            ServerStats.Traffic t = ServerStats.traffic(before, after).per(operations);
            requests.add(t.requests());
            writes.add(ServerStats.delta(before, after, "zk_cnt_updatelatency") / operations);
            notifications.add(t.notifications());
        }

        /** Three rows, ours beside Curator's: requests, writes and watch events per operation. */
        static void report(Report report, String scenario, String per, int skip, Counts ours, Counts curator) {
            report.compare(scenario + "-requests", "requests", rate(ours.requests, skip), rate(curator.requests, skip),
                    null, "requests received by the server " + per);
            report.compare(scenario + "-writes", "writes", rate(ours.writes, skip), rate(curator.writes, skip),
                    null, "of them writes (transactions) " + per);
            report.compare(scenario + "-events", "events", rate(ours.notifications, skip),
                    rate(curator.notifications, skip), null, "watch events fired " + per);
        }

        private static Figure rate(Samples all, int skip) {
            return Figure.rate(LockBench.tail(all, skip));
        }
    }

    private BarrierBench() {
    }

    static Maker ours() {
        return env -> {
            ZkClient client = env.client();
            return (path, who) -> {
                DoubleBarrier barrier = env.closeLater(DoubleBarrier.create(client, path, MEMBERS, "m" + who));
                return member(() -> check(barrier.enter(TIMEOUT), "enter"), () -> check(barrier.leave(TIMEOUT), "leave"));
            };
        };
    }

    static Maker curator() {
        return env -> {
            CuratorFramework curator = env.curator();
            return (path, who) -> {
                DistributedDoubleBarrier barrier = new DistributedDoubleBarrier(curator, path, MEMBERS);
                long ms = TIMEOUT.toMillis();
                return member(() -> check(barrier.enter(ms, TimeUnit.MILLISECONDS), "enter"),
                        () -> check(barrier.leave(ms, TimeUnit.MILLISECONDS), "leave"));
            };
        };
    }

    /** Milliseconds from the last member's enter (leave) call until all ten have returned. */
    static Prepared prepare(Env env, Maker maker) throws Exception {
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            processes.add(maker.open(env));
        }
        ExecutorService pool = env.closeLater(new LockBench.ClosingPool(MEMBERS)).pool();
        ServerStats server = new ServerStats(env.connectString());
        Samples leave = new Samples();
        Counts enterCounts = new Counts();
        Counts leaveCounts = new Counts();
        Env.Trial trial = () -> {
            String path = env.freshPath("barrier");
            List<Member> members = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                members.add(processes.get(i).member(path, i));
            }
            double enter = lastArrival(pool, server, members, true, enterCounts);
            leave.add(lastArrival(pool, server, members, false, leaveCounts));
            return enter;
        };
        return new Prepared(trial, leave, enterCounts, leaveCounts);
    }

    private static double lastArrival(ExecutorService pool, ServerStats server, List<Member> members,
            boolean enter, Counts counts) throws Exception {
        Map<String, Double> before = server.read();
        double watchesBefore = before.getOrDefault("zk_watch_count", 0.0);
        List<Future<Long>> early = new ArrayList<>();
        for (Member m : members.subList(0, MEMBERS - 1)) {
            early.add(pool.submit(() -> {
                step(m, enter);
                return System.nanoTime();
            }));
        }
        // the nine are blocked once each of their sessions has a watch set on the server
        awaitWatches(server, watchesBefore + MEMBERS - 1);
        long t0 = System.nanoTime();
        step(members.get(MEMBERS - 1), enter);
        long last = System.nanoTime();
        for (Future<Long> f : early) {
            last = Math.max(last, f.get(30, TimeUnit.SECONDS));
        }
        counts.add(before, server.read(), MEMBERS);
        return (last - t0) / 1e6;
    }

    private static void awaitWatches(ServerStats server, double count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.read().getOrDefault("zk_watch_count", 0.0) < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("members did not start waiting within 30 s");
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }

    private static void step(Member m, boolean enter) throws Exception {
        if (enter) {
            m.enter();
        } else {
            m.leave();
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static Member member(Step enter, Step leave) {
        return new Member() {
            @Override
            public void enter() throws Exception {
                enter.run();
            }

            @Override
            public void leave() throws Exception {
                leave.run();
            }
        };
    }

    private static void check(boolean passed, String what) {
        if (!passed) {
            throw new IllegalStateException(what + " timed out after " + TIMEOUT.toSeconds() + " s");
        }
    }
}
