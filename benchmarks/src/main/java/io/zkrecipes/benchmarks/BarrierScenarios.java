package io.zkrecipes.benchmarks;

import java.util.List;

/** Our DoubleBarrier beside Curator's DistributedDoubleBarrier. */
final class BarrierScenarios {
    static final int PER_ROUND = 2;

    private BarrierScenarios() {
    }

    static List<Scenario> all() {
        return List.of(Scenario.of("barrier-double", BarrierBench.MEMBERS + " members: time from the last"
                + " member's enter (and leave) call until all return, vs DistributedDoubleBarrier",
                BarrierScenarios::doubleBarrier));
    }

    private static void doubleBarrier(Env env, Report report) throws Exception {
        BarrierBench.Prepared ours = BarrierBench.prepare(env, BarrierBench.ours());
        BarrierBench.Prepared curator = BarrierBench.prepare(env, BarrierBench.curator());
        Samples[] s = env.compare(PER_ROUND, ours.trial(), curator.trial());
        report.compare("barrier-enter", "ms", Figure.latency(s[0]), Figure.latency(s[1]), Target.atMost(0.8, 0.6),
                BarrierBench.MEMBERS + " members, last arrival to all returned from enter");
        int warm = env.warmedRounds() * PER_ROUND;
        report.compare("barrier-leave", "ms", Figure.latency(LockBench.tail(ours.leave(), warm)),
                Figure.latency(LockBench.tail(curator.leave(), warm)), null,
                BarrierBench.MEMBERS + " members, last leave call to all returned from leave");
        BarrierBench.Counts.report(report, "barrier-enter", "per member per enter", warm,
                ours.enterCounts(), curator.enterCounts());
        BarrierBench.Counts.report(report, "barrier-leave", "per member per leave", warm,
                ours.leaveCounts(), curator.leaveCounts());
    }
}
