package io.zkrecipes.benchmarks;

import java.util.List;

/** Our IdGenerator and service discovery beside Curator's DistributedAtomicLong and curator-x-discovery. */
final class NamingScenarios {
    static final int REGISTRATIONS_PER_ROUND = 5;

    private NamingScenarios() {
    }

    static List<Scenario> all() {
        return List.of(
                Scenario.of("naming-ids-1", "ids/s from one process, IdGenerator vs DistributedAtomicLong.increment()",
                        (env, report) -> ids(env, report, "naming-ids-1", 1)),
                Scenario.of("naming-ids-4", "ids/s from 4 processes, IdGenerator vs DistributedAtomicLong.increment()",
                        (env, report) -> ids(env, report, "naming-ids-4", 4)),
                Scenario.of("naming-names-1", "unique names/s from one process, UniqueNameGenerator vs a sequential create",
                        (env, report) -> names(env, report, "naming-names-1", 1)),
                Scenario.of("naming-names-4", "unique names/s from 4 processes, UniqueNameGenerator vs a sequential create",
                        (env, report) -> names(env, report, "naming-names-4", 4)),
                Scenario.of("naming-discovery", "registration call until each of " + NamingBench.CONSUMERS
                        + " consumers sees the instance, vs curator-x-discovery ServiceCache",
                        NamingScenarios::discovery));
    }

    private static void ids(Env env, Report report, String name, int processes) throws Exception {
        Samples[] s = env.compare(1, NamingBench.ids(env, NamingBench.oursIds(), processes),
                NamingBench.ids(env, NamingBench.curatorIds(), processes));
        report.compare(name, "ids/s", Figure.rate(s[0]), Figure.rate(s[1]), Target.atLeast(100, 100),
                processes + " session(s), one thread each; IdGenerator's default block of 1000");
    }

    private static void names(Env env, Report report, String name, int processes) throws Exception {
        Samples[] s = env.compare(1, NamingBench.ids(env, NamingBench.oursNames(), processes),
                NamingBench.ids(env, NamingBench.curatorNames(), processes));
        report.compare(name, "names/s", Figure.rate(s[0]), Figure.rate(s[1]), Target.atLeast(1.0, 1.0),
                processes + " session(s), one thread each; ours: one setData (nothing left behind),"
                        + " Curator: one persistent sequential create (a node left per name)");
    }

    private static void discovery(Env env, Report report) throws Exception {
        Samples ours = new Samples();
        Samples curator = new Samples();
        env.compare(Env.FAN_OUT_WARMUP, REGISTRATIONS_PER_ROUND, NamingBench.discovery(env, NamingBench.ours(), ours),
                NamingBench.discovery(env, NamingBench.curator(), curator));
        int warm = env.warmedRounds() * REGISTRATIONS_PER_ROUND * NamingBench.CONSUMERS;
        report.compare("naming-discovery", "ms", Figure.latency(LockBench.tail(ours, warm)),
                Figure.latency(LockBench.tail(curator, warm)), null, NamingBench.CONSUMERS
                        + " consumers; from the registration call (its create included) to each consumer's callback");
    }
}
