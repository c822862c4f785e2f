package io.zkrecipes.benchmarks;

import java.util.List;

/** Our ConfigStore subscriptions beside Curator's CuratorCache. */
final class ConfigScenarios {
    private ConfigScenarios() {
    }

    static List<Scenario> all() {
        return List.of(Scenario.of("config-propagation", "time from the put call until each of "
                + ConfigBench.SUBSCRIBERS + " subscribers sees the value, vs CuratorCache",
                ConfigScenarios::propagation));
    }

    private static void propagation(Env env, Report report) throws Exception {
        Samples ours = new Samples();
        Samples curator = new Samples();
        env.compare(ConfigBench.PUTS_PER_ROUND, ConfigBench.prepare(env, ConfigBench.ours(), ours),
                ConfigBench.prepare(env, ConfigBench.curator(), curator));
        int warm = env.warmup() * ConfigBench.PUTS_PER_ROUND * ConfigBench.SUBSCRIBERS;
        Samples o = LockBench.tail(ours, warm);
        Samples c = LockBench.tail(curator, warm);
        report.compare("config-propagation", "ms", Figure.latency(o), Figure.latency(c), null,
                ConfigBench.SUBSCRIBERS + " subscribers on their own sessions, " + o.size()
                        + " deliveries a side; from the put call, its own round trip included");
    }
}
