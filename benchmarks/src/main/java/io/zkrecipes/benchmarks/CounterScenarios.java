package io.zkrecipes.benchmarks;

import java.util.List;

/** Our SharedCounter beside Curator's DistributedAtomicLong. */
final class CounterScenarios {
    private CounterScenarios() {
    }

    static List<Scenario> all() {
        return List.of(
                Scenario.of("counter-1", "increments/s from one process, SharedCounter vs DistributedAtomicLong",
                        (env, report) -> increments(env, report, "counter-1", 1, 1)),
                Scenario.of("counter-4", "increments/s from 4 processes on one counter, SharedCounter vs"
                        + " DistributedAtomicLong", (env, report) -> increments(env, report, "counter-4", 4, 1)),
                Scenario.of("counter-4x4", "increments/s from 4 processes of 4 threads each on one counter,"
                        + " SharedCounter vs DistributedAtomicLong",
                        (env, report) -> increments(env, report, "counter-4x4", 4, 4)));
    }

    private static void increments(Env env, Report report, String name, int processes, int threads)
            throws Exception {
        CounterBench.Prepared ours = CounterBench.prepare(env, CounterBench.ours(), processes, threads);
        CounterBench.Prepared curator = CounterBench.prepare(env, CounterBench.curator(), processes, threads);
        Samples[] s = env.compare(1, ours.trial(), curator.trial());
        String who = processes + " session(s), " + threads + " thread(s) each";
        report.compare(name, "increments/s", Figure.rate(s[0]), Figure.rate(s[1]),
                processes == 4 && threads == 1 ? Target.atLeast(1.5, 1.5) : null, who);
        report.compare(name + "-requests", "requests", rate(env, ours.requests()), rate(env, curator.requests()), null,
                "requests received by the server per increment (pings included), " + who);
        report.compare(name + "-writes", "writes", rate(env, ours.writes()), rate(env, curator.writes()), null,
                "transactions the server logged per increment (zxids), failed conditional writes included");
    }

    private static Figure rate(Env env, Samples perRound) {
        return Figure.rate(LockBench.tail(perRound, env.warmedRounds()));
    }
}
