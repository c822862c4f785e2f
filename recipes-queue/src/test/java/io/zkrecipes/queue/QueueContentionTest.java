package io.zkrecipes.queue;

import static io.zkrecipes.queue.QueueTesting.queue;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zkrecipes.testing.ItemHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several producer and consumer sessions on one queue: every item taken exactly once. (Consumers that
 * race spread over the head of the queue, so one of several consumers may see a producer's items out
 * of order; one consumer alone sees them in order, see DistributedQueueTest and PipelinedPutTest.)
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class QueueContentionTest {
    static final int PRODUCERS = 4;
    static final int CONSUMERS = 4;
    static final int PER_PRODUCER = 500;

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void fourProducersFourConsumers_eachItemTakenExactlyOnce() throws Exception {
        ItemHistory<String> history = new ItemHistory<>();
        Map<String, List<Integer>> seenPerProducer = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + CONSUMERS);
        List<Future<?>> tasks = new ArrayList<>();
        try {
            for (int c = 0; c < CONSUMERS; c++) {
                String id = "consumer-" + c;
                DistributedQueue<String> q = queue(zk.newClient(), "/jobs", 100);
                tasks.add(pool.submit(() -> consume(q, id, history, seenPerProducer, stop)));
            }
            for (int p = 0; p < PRODUCERS; p++) {
                String id = "p" + p;
                DistributedQueue<String> q = queue(zk.newClient(), "/jobs", 100);
                tasks.add(pool.submit(() -> produce(q, id, history)));
            }
            await().atMost(Duration.ofSeconds(75)).until(() -> history.producedCount() == PRODUCERS * PER_PRODUCER
                    && history.allTaken());
            stop.set(true);
            for (Future<?> f : tasks) {
                f.get(20, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        history.assertEachTakenExactlyOnce();
        seenPerProducer.forEach((producer, order) -> assertEquals(PER_PRODUCER, order.size(), producer));
    }

    private static Void produce(DistributedQueue<String> q, String id, ItemHistory<String> history) throws Exception {
        for (int i = 0; i < PER_PRODUCER; i++) {
            String item = id + ":" + i;
            history.produced(item);
            if (i % 10 == 0 && i + 1 < PER_PRODUCER) {
                String next = id + ":" + (i + 1);
                history.produced(next);
                q.putAll(List.of(item, next));
                i++;
            } else {
                q.put(item);
            }
        }
        return null;
    }

    private static Void consume(DistributedQueue<String> q, String id, ItemHistory<String> history,
            Map<String, List<Integer>> seenPerProducer, AtomicBoolean stop) throws Exception {
        while (!stop.get()) {
            Optional<String> polled = q.poll(Duration.ofMillis(100));
            if (polled.isEmpty()) {
                continue;
            }
            String item = polled.get();
            history.taken(item, id);
            String producer = item.substring(0, item.indexOf(':'));
            int n = Integer.parseInt(item.substring(item.indexOf(':') + 1));
            seenPerProducer.computeIfAbsent(producer, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(n);
        }
        return null;
    }
}
