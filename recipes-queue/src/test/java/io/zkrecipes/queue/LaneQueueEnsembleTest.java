package io.zkrecipes.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.queue.LaneQueueFaultTest.Consumers;
import io.zkrecipes.testing.ItemHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    void priority_memberKilledDuringTraffic_eachItemTakenOnce() throws Exception {
        ItemHistory<String> history = new ItemHistory<>();
        ZkClient consumerClient = zk.newClient();
        List<DistributedPriorityQueue<String>> consumers = List.of(PriorityQueueTest.priorityQueue(consumerClient),
                PriorityQueueTest.priorityQueue(zk.newClient()));
        DistributedPriorityQueue<String> producer = PriorityQueueTest.priorityQueue(zk.newClient());
        try (Consumers running = new Consumers()) {
            for (int c = 0; c < consumers.size(); c++) {
                DistributedPriorityQueue<String> q = consumers.get(c);
                running.start("consumer-" + c, () -> q.poll(Duration.ofMillis(200)), history);
            }
            List<CompletableFuture<Void>> puts = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String item = "item-" + i;
                history.produced(item);
                puts.add(producer.putAsync(item, i % 3));
                if (i == 100) {
                    await().atMost(WAIT).until(() -> history.takenCount() >= 20);
                    int server = zk.serverOf(consumerClient);
                    assertTrue(server >= 0, "the consumer is connected");
                    zk.killServer(server);
                }
            }
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            running.awaitAllTaken(history, WAIT);
        }
        history.assertEachTakenExactlyOnce();
    }

    @Test
    void delay_memberKilledDuringTraffic_eachItemTakenOnce_noneEarly() throws Exception {
        ItemHistory<String> history = new ItemHistory<>();
        Map<String, Long> dueAtLeast = new ConcurrentHashMap<>();
        Map<String, Long> early = new ConcurrentHashMap<>();
        ZkClient consumerClient = zk.newClient();
        List<DistributedDelayQueue<String>> consumers = List.of(DelayQueueTest.delayQueue(consumerClient),
                DelayQueueTest.delayQueue(zk.newClient()));
        DistributedDelayQueue<String> producer = DelayQueueTest.delayQueue(zk.newClient());
        try (Consumers running = new Consumers()) {
            for (int c = 0; c < consumers.size(); c++) {
                DistributedDelayQueue<String> q = consumers.get(c);
                running.start("consumer-" + c, () -> {
                    Optional<String> item = q.poll(Duration.ofMillis(200));
                    long now = System.currentTimeMillis();
                    item.filter(i -> now < dueAtLeast.get(i)).ifPresent(i -> early.put(i, dueAtLeast.get(i) - now));
                    return item;
                }, history);
            }
            List<CompletableFuture<Void>> puts = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String item = "item-" + i;
                long delay = (i * 37) % 1500;
                dueAtLeast.put(item, System.currentTimeMillis() + delay);
                history.produced(item);
                puts.add(producer.putAsync(item, Duration.ofMillis(delay)));
                if (i == 60) {
                    await().atMost(WAIT).until(() -> history.takenCount() >= 10);
                    int server = zk.serverOf(consumerClient);
                    assertTrue(server >= 0, "the consumer is connected");
                    zk.killServer(server);
                }
            }
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            running.awaitAllTaken(history, WAIT);
        }
        history.assertEachTakenExactlyOnce();
        assertEquals(Map.of(), early, "items taken before their time, by ms");
    }
}
