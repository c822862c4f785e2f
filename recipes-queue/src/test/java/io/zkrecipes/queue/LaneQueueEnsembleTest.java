package io.zkrecipes.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.queue.LaneQueueFaultTest.Traffic;
import io.zkrecipes.testing.ItemHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A member of a 3-server ensemble dies during traffic: every item of the priority and delay queues
 * is still taken exactly once, and no delayed item before its time. The servers run in this JVM, so
 * the leader's clock, old or new, is this wall clock.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LaneQueueEnsembleTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    void priority_memberKilledDuringTraffic_eachItemTakenOnce() throws Exception {
        ZkClient consumerClient = zk.newClient();
        DistributedPriorityQueue<String> producer = PriorityQueueTest.priorityQueue(zk.newClient());
        ItemHistory<String> history = Traffic.run(List.of(PriorityQueueTest.priorityQueue(consumerClient),
                PriorityQueueTest.priorityQueue(zk.newClient())), q -> q.poll(Duration.ofMillis(200)), 300,
                i -> producer.putAsync("item-" + i, i % 3), () -> killServerOf(consumerClient));
        history.assertEachTakenExactlyOnce();
    }

    @Test
    void delay_memberKilledDuringTraffic_eachItemTakenOnce_noneEarly() throws Exception {
        Map<String, Long> dueAtLeast = new ConcurrentHashMap<>();
        Map<String, Long> early = new ConcurrentHashMap<>();
        ZkClient consumerClient = zk.newClient();
        DistributedDelayQueue<String> producer = DelayQueueTest.delayQueue(zk.newClient());
        ItemHistory<String> history = Traffic.run(List.of(DelayQueueTest.delayQueue(consumerClient),
                DelayQueueTest.delayQueue(zk.newClient())), q -> {
                    Optional<String> item = q.poll(Duration.ofMillis(200));
                    long now = System.currentTimeMillis();
                    item.filter(i -> now < dueAtLeast.get(i)).ifPresent(i -> early.put(i, dueAtLeast.get(i) - now));
                    return item;
                }, 200, i -> {
                    long delay = (i * 37L) % 1500;
                    dueAtLeast.put("item-" + i, System.currentTimeMillis() + delay);
                    return producer.putAsync("item-" + i, Duration.ofMillis(delay));
                }, () -> killServerOf(consumerClient));
        history.assertEachTakenExactlyOnce();
        assertEquals(Map.of(), early, "items taken before their time, by ms");
    }

    private static void killServerOf(ZkClient client) {
        int server = zk.serverOf(client);
        assertTrue(server >= 0, "the consumer is connected");
        zk.killServer(server);
    }
}
