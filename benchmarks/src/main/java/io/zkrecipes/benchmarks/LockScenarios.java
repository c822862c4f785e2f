package io.zkrecipes.benchmarks;

import java.time.Duration;
import java.util.List;
import org.apache.zookeeper.ZooKeeper;

/** Our locks beside Curator's InterProcessMutex, InterProcessReadWriteLock and InterProcessSemaphoreV2. */
final class LockScenarios {
    static final int SESSIONS = 8;
    static final int DRAIN_SESSIONS = 8;
    static final int PERMITS = 2;
    /** Contended rounds run 8 sessions on 2 cores: each side's hand-off rate settles only after this long. */
    private static final Duration CONTENDED_WARMUP = Duration.ofSeconds(20);

    private LockScenarios() {
    }

    static List<Scenario> all() {
        return List.of(
                Scenario.of("lock-uncontended", "acquire+release, one session, vs InterProcessMutex",
                        LockScenarios::uncontended),
                Scenario.of("lock-contended", SESSIONS + " sessions acquiring and releasing in a loop, vs"
                        + " InterProcessMutex; also requests per hand-off and watch events per release",
                        LockScenarios::contended),
                Scenario.of("lock-drain", "--waiters N (default 200) queued behind a holder over " + DRAIN_SESSIONS
                        + " sessions, time to drain them all, vs InterProcessMutex", LockScenarios::drain),
                Scenario.of("lock-rw-write", "write lock acquire+release, one session, vs"
                        + " InterProcessReadWriteLock", LockScenarios::rwWrite),
                Scenario.of("lock-rw-read", SESSIONS + " sessions taking the read lock in a loop, vs"
                        + " InterProcessReadWriteLock", LockScenarios::rwRead),
                Scenario.of("lock-semaphore", SESSIONS + " sessions taking one of " + PERMITS
                        + " permits in a loop, vs InterProcessSemaphoreV2", LockScenarios::semaphore));
    }

    private static void uncontended(Env env, Report report) throws Exception {
        Samples[] s = env.compare(LockBench.UNCONTENDED_OPS, LockBench.uncontended(env, Lockers.ours()),
                LockBench.uncontended(env, Lockers.curatorMutex()));
        report.compare("lock-uncontended", "ms", Figure.latency(s[0]), Figure.latency(s[1]),
                Target.atMost(0.6, 0.5), "SequentialLock vs InterProcessMutex");
        report.compare("lock-requests-per-cycle", "requests",
                Figure.rate(LockBench.requestsPerCycle(env, Lockers.ours())),
                Figure.rate(LockBench.requestsPerCycle(env, Lockers.curatorMutex())), null,
                "requests received by the server per uncontended acquire+release, over "
                        + LockBench.COUNTED_CYCLES + " cycles");
    }

    private static void contended(Env env, Report report) throws Exception {
        LockBench.Contended ours = LockBench.contended(env, Lockers.ours(), SESSIONS);
        LockBench.Contended curator = LockBench.contended(env, Lockers.curatorMutex(), SESSIONS);
        Samples[] s = env.compare(CONTENDED_WARMUP, 1, ours.trial(), curator.trial());
        report.compare("lock-contended", "hand-offs/s", Figure.rate(s[0]), Figure.rate(s[1]),
                Target.atLeast(1.5, 2), SESSIONS + " sessions");
        report.compare("lock-requests-per-handoff", "requests", rate(env, ours.requests()),
                rate(env, curator.requests()), null, "requests received by the server per hand-off,"
                        + " acquire and release included, during lock-contended");
        report.compare("lock-watch-events-per-release", "events", rate(env, ours.notifications()),
                rate(env, curator.notifications()), null, "watch notifications fired by the server per"
                        + " release during lock-contended");
    }

    private static void drain(Env env, Report report) throws Exception {
        int n = env.waiters();
        LockBench.Queued observer = observer(env);
        Samples[] s = env.compare(1, LockBench.drain(env, Lockers.ours(), n, DRAIN_SESSIONS, observer),
                LockBench.drain(env, Lockers.curatorMutex(), n, DRAIN_SESSIONS, observer));
        report.compare("lock-drain", "ms", Figure.rate(s[0]), Figure.rate(s[1]), null,
                n + " waiters over " + DRAIN_SESSIONS + " sessions, holder's release to the last waiter's release");
    }

    private static void rwWrite(Env env, Report report) throws Exception {
        Samples[] s = env.compare(LockBench.UNCONTENDED_OPS, LockBench.uncontended(env, Lockers.oursWriteLock()),
                LockBench.uncontended(env, Lockers.curatorWriteLock()));
        report.compare("lock-rw-write", "ms", Figure.latency(s[0]), Figure.latency(s[1]), null,
                "uncontended; ReadWriteLock.writeLock() vs InterProcessReadWriteLock.writeLock()");
    }

    private static void rwRead(Env env, Report report) throws Exception {
        Samples[] s = env.compare(1, LockBench.contended(env, Lockers.oursReadLock(), SESSIONS).trial(),
                LockBench.contended(env, Lockers.curatorReadLock(), SESSIONS).trial());
        report.compare("lock-rw-read", "acquires/s", Figure.rate(s[0]), Figure.rate(s[1]), null,
                SESSIONS + " sessions, readers only (shared)");
    }

    private static void semaphore(Env env, Report report) throws Exception {
        Samples[] s = env.compare(1, LockBench.contended(env, Lockers.oursSemaphore(PERMITS), SESSIONS).trial(),
                LockBench.contended(env, Lockers.curatorSemaphore(PERMITS), SESSIONS).trial());
        report.compare("lock-semaphore", "acquires/s", Figure.rate(s[0]), Figure.rate(s[1]), null,
                SESSIONS + " sessions, " + PERMITS + " permits; CountingSemaphore vs InterProcessSemaphoreV2");
    }

    private static Figure rate(Env env, Samples perRound) {
        return Figure.rate(LockBench.tail(perRound, env.warmedRounds()));
    }

    private static LockBench.Queued observer(Env env) throws InterruptedException {
        ZooKeeper zk = env.client().unwrap();
        return (path, count) -> Nodes.awaitChildren(zk, path, count);
    }
}
