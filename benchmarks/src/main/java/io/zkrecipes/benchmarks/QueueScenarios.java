package io.zkrecipes.benchmarks;

import java.util.List;

/** Our DistributedQueue beside Curator's DistributedQueue and SimpleDistributedQueue. */
final class QueueScenarios {
    static final int ITEMS_1X1 = 2000;
    static final int ITEMS_4X4 = 2000;

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
                Scenario.of("priority-1x1", ITEMS_1X1 + " 100-byte items over " + QueueBench.PRIORITY_LEVELS
                        + " priorities, 1 producer and 1 consumer, items/s vs Curator's DistributedPriorityQueue",
                        (env, report) -> priorityThroughput(env, report, "priority-1x1", 1, ITEMS_1X1)),
                Scenario.of("priority-4x4", ITEMS_4X4 + " 100-byte items over " + QueueBench.PRIORITY_LEVELS
                        + " priorities, 4 producers and 4 consumers, items/s vs Curator's DistributedPriorityQueue",
                        (env, report) -> priorityThroughput(env, report, "priority-4x4", 4, ITEMS_4X4)),
                QueueLong.scenario());
    }

    private static void priorityThroughput(Env env, Report report, String name, int each, int items)
            throws Exception {
        QueueBench.Prepared[] sides = {QueueBench.prepare(env, QueueBench.oursPriority(), each, each, items),
            QueueBench.prepare(env, QueueBench.curatorPriority(), each, each, items)};
        Samples[] s = env.compare(1, sides[0].trial(), sides[1].trial());
        report.compare(name, "items/s", Figure.rate(s[0]), Figure.rate(s[1]), null,
                "puts cycle through the priorities; Curator's consumer re-reads the queue after every item");
        report.compare(name + "-writes-per-item", "writes", Figure.rate(LockBench.tail(sides[0].writes(), env.warmedRounds())),
                Figure.rate(LockBench.tail(sides[1].writes(), env.warmedRounds())), null,
                "transactions the server logged per item (zxids), put and take and failed multis included");
        report.compare(name + "-requests-per-item", "requests",
                Figure.rate(LockBench.tail(sides[0].requests(), env.warmedRounds())),
                Figure.rate(LockBench.tail(sides[1].requests(), env.warmedRounds())), null,
                "requests received by the server per item, put and take included");
    }

    private static void throughput(Env env, Report report, String name, int each, int items) throws Exception {
        QueueBench.Prepared[] sides = {QueueBench.prepare(env, QueueBench.ours(), each, each, items),
            QueueBench.prepare(env, QueueBench.curatorDistributed(), each, each, items),
            QueueBench.prepare(env, QueueBench.curatorSimple(), each, each, items)};
        Samples[] s = env.compare(1, sides[0].trial(), sides[1].trial(), sides[2].trial());
        Figure distributed = Figure.rate(s[1]);
        Figure simple = Figure.rate(s[2]);
        int better = distributed.p50() >= simple.p50() ? 1 : 2;
        report.compare(name, "items/s", Figure.rate(s[0]), better == 1 ? distributed : simple, Target.atLeast(5, 5),
                "Curator column: the better one; DistributedQueue " + Report.number(distributed.p50())
                        + ", SimpleDistributedQueue " + Report.number(simple.p50()) + " items/s");
        Figure[] requests = new Figure[3];
        Figure[] writes = new Figure[3];
        for (int k = 0; k < 3; k++) {
            requests[k] = Figure.rate(LockBench.tail(sides[k].requests(), env.warmedRounds()));
            writes[k] = Figure.rate(LockBench.tail(sides[k].writes(), env.warmedRounds()));
        }
        report.compare(name + "-writes-per-item", "writes", writes[0], writes[better], null,
                "transactions the server logged per item (zxids), put and take and failed multis included;"
                        + " target <= 2.3 for ours in 4x4; DistributedQueue " + Report.number(writes[1].p50())
                        + ", SimpleDistributedQueue " + Report.number(writes[2].p50()));
        report.compare(name + "-requests-per-item", "requests", requests[0], requests[better], null,
                "requests received by the server per item, put and take included; DistributedQueue "
                        + Report.number(requests[1].p50()) + ", SimpleDistributedQueue "
                        + Report.number(requests[2].p50()));
    }
}
