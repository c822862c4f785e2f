package io.zkrecipes.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.queue.DistributedQueue.Outcome;
import io.zkrecipes.testing.ItemHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The delay queue's time rules, claims, bad input and use after close, on one server. The server
 * runs in this JVM, so the ensemble's clock is this process's wall clock: an item put at wall time
 * {@code t} with delay {@code d} has {@code ctime >= t}, and taking it before {@code t + d} would
 * certainly be early.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DelayQueueTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static DistributedDelayQueue<String> delayQueue(ZkClient client) {
        return delayQueue(client, Duration.ofMillis(100));
    }

    static DistributedDelayQueue<String> delayQueue(ZkClient client, Duration resolution) {
        return DistributedDelayQueue.builder(client, "/dq", Serializer.utf8()).resolution(resolution)
                .bucketCapacity(5).build(); // lanes roll over
    }

    @Test
    void item_isNotTakenBeforeItsTime() throws Exception {
        DistributedDelayQueue<String> producer = delayQueue(zk.newClient());
        DistributedDelayQueue<String> consumer = delayQueue(zk.newClient());
        long before = System.currentTimeMillis();
        producer.put("later", Duration.ofMillis(1500));
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(300)), "not due yet");
        assertEquals(Optional.empty(), consumer.peek(), "peek shows due items only");
        assertEquals(1, consumer.size(), "size counts items not due yet");
        assertEquals("later", consumer.take());
        assertTrue(System.currentTimeMillis() >= before + 1500, "taken no sooner than its time");
    }

    @Test
    void itemsComeOutInDueOrder_notPutOrder() throws Exception {
        DistributedDelayQueue<String> producer = delayQueue(zk.newClient());
        DistributedDelayQueue<String> consumer = delayQueue(zk.newClient());
        producer.putAsync("third", Duration.ofMillis(1200));
        producer.putAsync("first", Duration.ofMillis(300));
        producer.putAsync("now", Duration.ZERO);
        producer.put("second", Duration.ofMillis(700));
        assertEquals(List.of("now", "first", "second", "third"),
                List.of(consumer.take(), consumer.take(), consumer.take(), consumer.take()));
    }

    @Test
    void waitingConsumer_wakesWhenTheItemIsDue_withoutPolling() throws Exception {
        ZkClient consumerClient = zk.newClient();
        DistributedDelayQueue<String> producer = delayQueue(zk.newClient());
        DistributedDelayQueue<String> consumer = delayQueue(consumerClient);
        assertEquals(Optional.empty(), consumer.poll(Duration.ZERO)); // the queue's nodes exist, the watch is set
        CompletableFuture<String> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return consumer.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long requests = consumerClient.requestStats().total();
        long before = System.currentTimeMillis();
        producer.put("in three seconds", Duration.ofSeconds(3));
        assertEquals("in three seconds", taken.get(10, TimeUnit.SECONDS));
        assertTrue(System.currentTimeMillis() >= before + 3000, "not early");
        long spent = consumerClient.requestStats().total() - requests;
        // listings of the queue node and the new lane, the item's read, a clock sample and the take:
        // a consumer that looked again every 100 ms would have sent 30 more
        assertTrue(spent <= 12, "requests while waiting for the due item: " + spent + " " + consumerClient.requestStats());
    }

    @Test
    void severalProducersAndConsumers_eachItemOnce_noneEarly() throws Exception {
        ItemHistory<String> history = new ItemHistory<>();
        Map<String, Long> dueAtLeast = new ConcurrentHashMap<>();
        Map<String, Long> early = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> consumers = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                // one-second lanes: most items share a lane with items due before and after them
                DistributedDelayQueue<String> q = delayQueue(zk.newClient(), Duration.ofSeconds(1));
                String id = "consumer-" + c;
                consumers.add(pool.submit(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        Optional<String> item = q.poll(Duration.ofMillis(200));
                        if (item.isPresent()) {
                            long now = System.currentTimeMillis();
                            if (now < dueAtLeast.get(item.get())) {
                                early.put(item.get(), dueAtLeast.get(item.get()) - now);
                            }
                            history.taken(item.get(), id);
                        }
                    }
                    return null;
                }));
            }
            for (int p = 0; p < 2; p++) {
                DistributedDelayQueue<String> q = delayQueue(zk.newClient(), Duration.ofSeconds(1));
                for (int i = 0; i < 100; i++) {
                    String item = "p" + p + "-" + i;
                    long delay = ThreadLocalRandom.current().nextLong(1500);
                    dueAtLeast.put(item, System.currentTimeMillis() + delay);
                    history.produced(item);
                    puts.add(q.putAsync(item, Duration.ofMillis(delay)));
                }
            }
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(history::allTaken);
            consumers.forEach(f -> f.cancel(true));
        } finally {
            pool.shutdownNow();
        }
        history.assertEachTakenExactlyOnce();
        assertEquals(Map.of(), early, "items taken before their time, by ms");
    }

    @Test
    void putWhoseReplyIsLost_isNotDuplicated() throws Exception {
        ZkClient producerClient = zk.newClient();
        // one-hour lanes: both puts go into the same lane, whose bucket the first one made
        DistributedDelayQueue<String> producer = delayQueue(producerClient, Duration.ofHours(1));
        DistributedDelayQueue<String> consumer = delayQueue(zk.newClient(), Duration.ofHours(1));
        producer.put("warm-up", Duration.ZERO); // keeps the bucket from being reaped while the dropped put applies
        CompletableFuture<Integer> dropped = zk.dropNextReply(producerClient, OpCode.multi);
        producer.put("once", Duration.ofMillis(200));
        assertTrue(dropped.isDone(), "the put's reply was dropped");
        assertEquals("warm-up", consumer.take());
        assertEquals("once", consumer.take());
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(500)), "not applied twice");
    }

    @Test
    void processNext_failedItemIsDueAgainAtOnce() throws Exception {
        DistributedDelayQueue<String> q = delayQueue(zk.newClient());
        q.put("job", Duration.ofMillis(200));
        assertEquals(Outcome.EMPTY, q.processNext(Duration.ZERO, s -> { }), "not due yet");
        Outcome failed = q.processNext(Duration.ofSeconds(5), s -> {
            throw new IllegalStateException("failing on purpose");
        });
        assertEquals(Outcome.FAILED, failed);
        List<String> handled = new ArrayList<>();
        assertEquals(Outcome.COMPLETED, q.processNext(Duration.ZERO, handled::add));
        assertEquals(List.of("job"), handled);
        assertEquals(0, q.size());
    }

    @Test
    void badInput_rejectedBeforeSending() throws Exception {
        ZkClient client = zk.newClient();
        DistributedDelayQueue<String> q = delayQueue(client);
        long requests = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> q.put(null, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> q.put("a", null));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> q.put("a", Duration.ofMillis(-1)));
        assertTrue(negative.getMessage().contains("delay"), negative.getMessage());
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> q.put("a", Duration.ofDays(366)));
        assertTrue(tooLong.getMessage().contains("delay must be at most"), tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> q.put("x".repeat(client.maxDataBytes()), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> q.poll(Duration.ofSeconds(-1)));
        assertEquals(requests, client.requestStats().total(), "nothing was sent");
        DistributedDelayQueue.Builder<String> b = DistributedDelayQueue.builder(client, "/dq", Serializer.utf8());
        IllegalArgumentException resolution = assertThrows(IllegalArgumentException.class,
                () -> b.resolution(Duration.ofMillis(5)));
        assertTrue(resolution.getMessage().contains("resolution"), resolution.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.resolution(Duration.ofHours(2)));
        assertThrows(NullPointerException.class, () -> b.resolution(null));
        assertThrows(IllegalArgumentException.class, () -> b.bucketCapacity(-1));
        assertEquals(0, q.size(), "nothing was put");
    }

    @Test
    void useAfterClose_throwsIllegalState_andCloseWakesAWaitingTake() throws Exception {
        ZkClient client = zk.newClient();
        DistributedDelayQueue<String> q = delayQueue(client);
        q.put("not for an hour", Duration.ofHours(1));
        CompletableFuture<String> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return q.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> QueueTesting.watchCount(client) >= 1); // waiting
        assertFalse(taken.isDone());
        q.close();
        Throwable failure = assertThrows(Exception.class, () -> taken.get(5, TimeUnit.SECONDS)).getCause();
        assertTrue(failure instanceof IllegalStateException, String.valueOf(failure));
        assertThrows(IllegalStateException.class, () -> q.put("a", Duration.ZERO));
        assertThrows(IllegalStateException.class, () -> q.putAsync("a", Duration.ZERO));
        assertThrows(IllegalStateException.class, q::take);
        assertThrows(IllegalStateException.class, () -> q.poll(Duration.ZERO));
        assertThrows(IllegalStateException.class, q::peek);
        assertThrows(IllegalStateException.class, q::size);
        assertThrows(IllegalStateException.class, () -> q.processNext(Duration.ZERO, s -> { }));
        q.close(); // idempotent
        DistributedDelayQueue<String> other = delayQueue(zk.newClient());
        assertEquals(1, other.size(), "closing an instance leaves the items");
    }
}
