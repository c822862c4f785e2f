package io.zkrecipes.benchmarks;

import io.zkrecipes.benchmarks.Lockers.Held;
import io.zkrecipes.benchmarks.Lockers.Locker;
import io.zkrecipes.benchmarks.Lockers.Maker;
import io.zkrecipes.benchmarks.Lockers.Process;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lock measurements, the same code driving ours and Curator's through {@link Lockers}. Each
 * method prepares one side (sessions, paths) and returns the trial {@link Env#compare} runs.
 */
final class LockBench {
    static final int UNCONTENDED_OPS = 100;
    static final long CONTENDED_ROUND_MILLIS = 1_000;
    /** Cycles counted for the requests of an uncontended cycle: a last release still in flight is off by 1/this. */
    static final int COUNTED_CYCLES = 200;

    /** A contended side: the trial gives hand-offs/s; per round it also records server traffic. */
    record Contended(Env.Trial trial, Samples requests, Samples notifications) {
    }

    private LockBench() {
    }

    /** Latency in ms of acquire+release with nobody else around. */
    static Env.Trial uncontended(Env env, Maker maker) throws Exception {
        Locker locker = maker.open(env).lock(env.freshPath("lock-uncontended"));
        return () -> {
            long t0 = System.nanoTime();
            locker.acquire().close();
            return Env.millisSince(t0);
        };
    }

    /**
     * Requests the server receives per uncontended acquire+release, over {@link #COUNTED_CYCLES}
     * cycles on a fresh path of a new session (one sample).
     */
    static Samples requestsPerCycle(Env env, Maker maker) throws Exception {
        Locker locker = maker.open(env).lock(env.freshPath("lock-uncontended"));
        locker.acquire().close(); // the parents are made
        ServerStats server = new ServerStats(env.connectString());
        Map<String, Double> before = server.read();
        for (int i = 0; i < COUNTED_CYCLES; i++) {
            locker.acquire().close();
        }
        Samples perCycle = new Samples();
        perCycle.add(ServerStats.traffic(before, server.read()).per(COUNTED_CYCLES).requests());
        return perCycle;
    }

    /** {@code sessions} processes each acquiring and releasing in a loop for a fixed time per round. */
    static Contended contended(Env env, Maker maker, int sessions) throws Exception {
        String path = env.freshPath("lock-contended");
        List<Locker> lockers = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            lockers.add(maker.open(env).lock(path));
        }
        ServerStats server = new ServerStats(env.connectString());
        ExecutorService pool = env.closeLater(new ClosingPool(sessions)).pool();
        Samples requests = new Samples();
        Samples notifications = new Samples();
        Env.Trial trial = () -> {
            Map<String, Double> before = server.read();
            long t0 = System.nanoTime();
            long handOffs = loopFor(pool, lockers, t0 + CONTENDED_ROUND_MILLIS * 1_000_000);
            double seconds = (System.nanoTime() - t0) / 1e9;
            ServerStats.Traffic per = ServerStats.traffic(before, server.read()).per(handOffs);
            requests.add(per.requests());
            notifications.add(per.notifications());
            return handOffs / seconds;
        };
        return new Contended(trial, requests, notifications);
    }

    /**
     * One holder, {@code waiters} threads queued behind it over {@code sessions} sessions; then the
     * holder releases and each waiter takes and releases in turn. Milliseconds from the release to
     * the last waiter's release.
     */
    static Env.Trial drain(Env env, Maker maker, int waiters, int sessions, Queued queued) throws Exception {
        Process holderProcess = maker.open(env);
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            processes.add(maker.open(env));
        }
        ExecutorService pool = env.closeLater(new ClosingPool(waiters)).pool();
        return () -> {
            String path = env.freshPath("lock-drain");
            Held held = holderProcess.lock(path).acquire();
            CountDownLatch done = new CountDownLatch(waiters);
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                Locker locker = processes.get(i % sessions).lock(path);
                runs.add(pool.submit(() -> {
                    locker.acquire().close();
                    done.countDown();
                    return null;
                }));
            }
            queued.awaitQueued(path, waiters + 1);
            long t0 = System.nanoTime();
            held.close();
            FloorScenarios.await(done);
            double millis = Env.millisSince(t0);
            for (Future<?> f : runs) {
                f.get();
            }
            return millis;
        };
    }

    /** Waits until {@code count} contenders are queued at {@code path}. */
    @FunctionalInterface
    interface Queued {
        void awaitQueued(String path, int count) throws Exception;
    }

    private static long loopFor(ExecutorService pool, List<Locker> lockers, long deadline) throws Exception {
        AtomicLong handOffs = new AtomicLong();
        List<Future<?>> runs = new ArrayList<>();
        for (Locker locker : lockers) {
            runs.add(pool.submit(() -> {
                while (System.nanoTime() < deadline) {
                    locker.acquire().close();
                    handOffs.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : runs) {
            f.get();
        }
        return handOffs.get();
    }

    /** The values of {@code all} after the first {@code skip} (the warm-up rounds). */
    static Samples tail(Samples all, int skip) {
        Samples kept = new Samples();
        double[] v = all.values();
        for (int i = skip; i < v.length; i++) {
            kept.add(v[i]);
        }
        return kept;
    }

    /** A thread pool that {@link Env} shuts down with the scenario. */
    record ClosingPool(ExecutorService pool) implements AutoCloseable {
        ClosingPool(int threads) {
            this(Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "bench-worker");
                t.setDaemon(true);
                return t;
            }));
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }
}
