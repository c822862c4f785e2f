package io.zkrecipes.benchmarks;

import java.util.List;

/** Our DistributedQueue beside Curator's DistributedQueue and SimpleDistributedQueue. */
final class QueueScenarios {
    static final int ITEMS_1X1 = 300;
    static final int ITEMS_4X4 = 400;

    private QueueScenarios() {
    }

    static List<Scenario> all() {
        return List.of(
                Scenario.of("queue-1x1", ITEMS_1X1 + " 100-byte items, 1 producer and 1 consumer, items/s vs"
                        + " the better of Curator's DistributedQueue and SimpleDistributedQueue",
                        (env, report) -> throughput(env, report, "queue-1x1", 1, ITEMS_1X1)),
                Scenario.of("queue-4x4", ITEMS_4X4 + " 100-byte items, 4 producers and 4 consumers, items/s vs"
                        + " the better of Curator's DistributedQueue and SimpleDistributedQueue",
                        (env, report) -> throughput(env, report, "queue-4x4", 4, ITEMS_4X4)),
                QueueLong.scenario());
    }

    private static void throughput(Env env, Report report, String name, int each, int items) throws Exception {
        Samples[] s = env.compare(1, QueueBench.prepare(env, QueueBench.ours(), each, each, items),
                QueueBench.prepare(env, QueueBench.curatorDistributed(), each, each, items),
                QueueBench.prepare(env, QueueBench.curatorSimple(), each, each, items));
        Figure ours = Figure.rate(s[0]);
        Figure distributed = Figure.rate(s[1]);
        Figure simple = Figure.rate(s[2]);
        boolean distributedBetter = distributed.p50() >= simple.p50();
        report.compare(name, "items/s", ours, distributedBetter ? distributed : simple, Target.atLeast(5),
                "Curator column: the better one; DistributedQueue " + Report.number(distributed.p50())
                        + ", SimpleDistributedQueue " + Report.number(simple.p50()) + " items/s");
    }
}
