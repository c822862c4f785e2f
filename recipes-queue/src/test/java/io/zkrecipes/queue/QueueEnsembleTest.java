package io.zkrecipes.queue;

import static io.zkrecipes.queue.QueueTesting.pollThroughFaults;
import static io.zkrecipes.queue.QueueTesting.queue;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ItemHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A member of a 3-server ensemble dies during traffic: every item is still taken exactly once. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QueueEnsembleTest {
    static final int PRODUCERS = 2;
    static final int PER_PRODUCER = 150;

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    void serverKilledDuringTraffic_eachItemTakenExactlyOnce() throws Exception {
        ItemHistory<String> history = new ItemHistory<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + 2);
        List<Future<?>> tasks = new ArrayList<>();
        ZkClient consumerClient = zk.newClient();
        try {
            List<DistributedQueue<String>> consumers = List.of(queue(consumerClient, "/q", 50),
                    queue(zk.newClient(), "/q", 50));
            for (int c = 0; c < consumers.size(); c++) {
                DistributedQueue<String> q = consumers.get(c);
                String id = "consumer-" + c;
                tasks.add(pool.submit(() -> consume(q, id, history, stop)));
            }
            for (int p = 0; p < PRODUCERS; p++) {
                DistributedQueue<String> q = queue(zk.newClient(), "/q", 50);
                String id = "p" + p;
                tasks.add(pool.submit(() -> produce(q, id, history)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> history.takenCount() >= 40);
            int server = zk.serverOf(consumerClient);
            assertTrue(server >= 0, "the consumer is connected");
            zk.killServer(server);
            await().atMost(Duration.ofSeconds(90)).until(() -> history.producedCount() == PRODUCERS * PER_PRODUCER
                    && history.allTaken());
            stop.set(true);
            for (Future<?> f : tasks) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        history.assertEachTakenExactlyOnce();
    }

    private static Void produce(DistributedQueue<String> q, String id, ItemHistory<String> history) throws Exception {
        for (int i = 0; i < PER_PRODUCER; i++) {
            String item = id + ":" + i;
            history.produced(item);
            q.put(item);
        }
        return null;
    }

    private static Void consume(DistributedQueue<String> q, String id, ItemHistory<String> history,
            AtomicBoolean stop) throws Exception {
        while (!stop.get()) {
            pollThroughFaults(() -> q.poll(Duration.ofMillis(100))).ifPresent(item -> history.taken(item, id));
        }
        return null;
    }
}
