package io.zkrecipes.benchmarks;

import java.util.List;

/** Our ConfigStore subscriptions beside Curator's CuratorCache, and the floor of bare handles. */
final class ConfigScenarios {
    private ConfigScenarios() {
    }

    static List<Scenario> all() {
        return List.of(Scenario.of("config-propagation", "time from the put call until each of "
                        + ConfigBench.SUBSCRIBERS + " subscribers sees the value, vs CuratorCache",
                        (env, report) -> propagation(env, report, "config-propagation", ConfigBench.ours(),
                                "on their own sessions")),
                Scenario.of("config-floor", "the same with bare ZooKeeper handles (a watch, one read, the"
                        + " callback on the event thread) vs CuratorCache",
                        (env, report) -> propagation(env, report, "config-floor", ConfigBench.floor(),
                                "as bare handles, without a cache or a hand-off")));
    }

    private static void propagation(Env env, Report report, String name, ConfigBench.Side side, String how)
            throws Exception {
        Samples ours = new Samples();
        Samples curator = new Samples();
        env.compare(Env.FAN_OUT_WARMUP, ConfigBench.PUTS_PER_ROUND, ConfigBench.prepare(env, side, ours),
                ConfigBench.prepare(env, ConfigBench.curator(), curator));
        int warm = env.warmedRounds() * ConfigBench.PUTS_PER_ROUND * ConfigBench.SUBSCRIBERS;
        Samples o = LockBench.tail(ours, warm);
        Samples c = LockBench.tail(curator, warm);
        Target target = name.equals("config-propagation") ? Target.atMost(1.0, 1.0) : null; // p50; p99 shown beside
        report.compare(name, "ms", Figure.latency(o), Figure.latency(c), target,
                ConfigBench.SUBSCRIBERS + " subscribers " + how + ", " + o.size()
                        + " deliveries a side; from the put call, its own round trip included");
    }
}
