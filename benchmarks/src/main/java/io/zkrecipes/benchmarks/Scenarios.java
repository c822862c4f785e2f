package io.zkrecipes.benchmarks;

import java.util.ArrayList;
import java.util.List;

/** Every scenario, in the order {@code all} runs them: the floor first, then each recipe. */
final class Scenarios {
    private Scenarios() {
    }

    static List<Scenario> all() {
        List<Scenario> all = new ArrayList<>(FloorScenarios.all());
        all.addAll(LockScenarios.all());
        all.addAll(ElectionScenarios.all());
        all.addAll(BarrierScenarios.all());
        all.addAll(QueueScenarios.all());
        all.addAll(ConfigScenarios.all());
        all.addAll(NamingScenarios.all());
        all.addAll(CounterScenarios.all());
        return all;
    }
}
