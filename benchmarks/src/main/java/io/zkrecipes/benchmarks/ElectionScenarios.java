package io.zkrecipes.benchmarks;

import java.util.List;

/** Our LeaderElection beside Curator's LeaderLatch and LeaderSelector. */
final class ElectionScenarios {
    private ElectionScenarios() {
    }

    static List<Scenario> all() {
        return List.of(
                Scenario.of("election-failover-latch", "clean leader exit (close) to the next leader's"
                        + " callback, 3 candidates, vs LeaderLatch", ElectionScenarios::failoverLatch),
                Scenario.of("election-failover-selector", "clean leader exit (resign / return from"
                        + " takeLeadership) to the next leader's callback, vs LeaderSelector",
                        ElectionScenarios::failoverSelector),
                Scenario.of("election-first-leader", ElectionBench.JOINERS + " candidates joining at once to"
                        + " the first leader's callback, vs LeaderLatch", ElectionScenarios::firstLeader));
    }

    private static void failoverLatch(Env env, Report report) throws Exception {
        failover(env, report, "election-failover-latch", Candidates.oursClosing(), Candidates.curatorLatch(),
                Target.atMost(0.9, 0.5), "from the leader's close() call; includes its delete's round trip");
    }

    private static void failoverSelector(Env env, Report report) throws Exception {
        failover(env, report, "election-failover-selector", Candidates.oursResigning(), Candidates.curatorSelector(),
                null, "resign() vs returning from takeLeadership (auto-requeue)");
    }

    private static void failover(Env env, Report report, String name, Candidates.Maker ours,
            Candidates.Maker curator, Target target, String note) throws Exception {
        BarrierBench.Counts oursCounts = new BarrierBench.Counts();
        BarrierBench.Counts curatorCounts = new BarrierBench.Counts();
        Samples[] s = env.compare(ElectionBench.FAILOVERS_PER_ROUND, ElectionBench.failover(env, ours, oursCounts),
                ElectionBench.failover(env, curator, curatorCounts));
        report.compare(name, "ms", Figure.latency(s[0]), Figure.latency(s[1]), target, note);
        BarrierBench.Counts.report(report, name, "per fail-over, exit to the next leader's callback",
                env.warmedRounds() * ElectionBench.FAILOVERS_PER_ROUND, oursCounts, curatorCounts);
    }

    private static void firstLeader(Env env, Report report) throws Exception {
        Samples[] s = env.compare(ElectionBench.JOINS_PER_ROUND, ElectionBench.firstLeader(env, Candidates.oursClosing()),
                ElectionBench.firstLeader(env, Candidates.curatorLatch()));
        report.compare("election-first-leader", "ms", Figure.latency(s[0]), Figure.latency(s[1]), null,
                ElectionBench.JOINERS + " sessions, one thread each");
    }
}
