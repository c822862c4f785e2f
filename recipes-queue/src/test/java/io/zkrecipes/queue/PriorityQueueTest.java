package io.zkrecipes.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.queue.DistributedQueue.Outcome;
import io.zkrecipes.testing.ItemHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The priority queue's order rules, claims, bad input and use after close, on one server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PriorityQueueTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static DistributedPriorityQueue<String> priorityQueue(ZkClient client) {
        return DistributedPriorityQueue.builder(client, "/pq", Serializer.utf8()).bucketCapacity(5).build(); // lanes roll over
    }

    /** An item named by its priority and its place in one producer's order. */
    private record Item(int priority, int index) {
        static Item parse(String s) {
            String[] parts = s.split("/");
            return new Item(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        }

        @Override
        public String toString() {
            return priority + "/" + index;
        }
    }

    @Test
    void take_lowestPriorityValueFirst_andOneProducersOrderWithinAPriority() throws Exception {
        DistributedPriorityQueue<String> producer = priorityQueue(zk.newClient());
        DistributedPriorityQueue<String> consumer = priorityQueue(zk.newClient());
        int[] priorities = {5, Integer.MIN_VALUE, 0, -3, Integer.MAX_VALUE, 5, 0};
        List<Item> put = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            Item item = new Item(priorities[i % priorities.length], i); // 70 items: over a bucket per priority
            producer.putAsync(item.toString(), item.priority());
            put.add(item);
        }
        producer.put("0/70", 0);
        put.add(new Item(0, 70));
        List<Item> expected = new ArrayList<>(put);
        expected.sort(Comparator.comparingInt(Item::priority).thenComparingInt(Item::index));
        List<Item> taken = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            taken.add(Item.parse(consumer.take()));
        }
        assertEquals(expected, taken);
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(200)));
    }

    @Test
    void urgentItemPutBehindBulk_isTakenNext() throws Exception {
        DistributedPriorityQueue<String> producer = priorityQueue(zk.newClient());
        DistributedPriorityQueue<String> consumer = priorityQueue(zk.newClient());
        for (int i = 0; i < 10; i++) {
            producer.put("bulk-" + i, 10);
        }
        assertEquals("bulk-0", consumer.take());
        producer.put("urgent", 0);
        // the consumer learns of the new lane through its watch on the queue node
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.peek().equals(Optional.of("urgent")));
        assertEquals("urgent", consumer.take());
        assertEquals("bulk-1", consumer.take());
    }

    @Test
    void severalProducersAndConsumers_eachItemOnce_andEachConsumerSeesPrioritiesInOrder() throws Exception {
        int producers = 3;
        int perProducer = 90;
        ItemHistory<String> history = new ItemHistory<>();
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            DistributedPriorityQueue<String> q = priorityQueue(zk.newClient());
            for (int i = 0; i < perProducer; i++) {
                String item = (i % 3) + "/" + p + "-" + i;
                history.produced(item);
                puts.add(q.putAsync(item, i % 3));
            }
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<List<String>>> consumers = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                DistributedPriorityQueue<String> q = priorityQueue(zk.newClient());
                String id = "consumer-" + c;
                consumers.add(pool.submit(() -> drain(q, id, history)));
            }
            for (Future<List<String>> f : consumers) {
                List<String> seen = f.get(45, TimeUnit.SECONDS);
                List<String> sorted = new ArrayList<>(seen);
                sorted.sort(Comparator.comparingInt(s -> Integer.parseInt(s.substring(0, 1))));
                // a consumer moves to a lower priority only once its listing of the higher lane is empty
                assertEquals(sorted, seen, "one consumer's priorities never go back up");
            }
        } finally {
            pool.shutdownNow();
        }
        history.assertEachTakenExactlyOnce();
        assertEquals(producers * perProducer, history.takenCount());
    }

    private static List<String> drain(DistributedPriorityQueue<String> q, String id, ItemHistory<String> history)
            throws InterruptedException {
        List<String> seen = new ArrayList<>();
        for (Optional<String> item = q.poll(Duration.ofMillis(500)); item.isPresent();
                item = q.poll(Duration.ofMillis(500))) {
            history.taken(item.get(), id);
            seen.add(item.get());
        }
        return seen;
    }

    @Test
    void processNext_failedUrgentItemIsRetriedBeforeOthers_thenDeadLettered() throws Exception {
        ZkClient client = zk.newClient();
        DistributedPriorityQueue<String> q = DistributedPriorityQueue.builder(client, "/pq", Serializer.utf8())
                .maxAttempts(2).build();
        q.put("bulk", 5);
        q.put("urgent", 1);
        List<String> handled = new ArrayList<>();
        Outcome first = q.processNext(Duration.ofSeconds(5), item -> {
            handled.add(item);
            throw new IllegalStateException("failing on purpose");
        });
        assertEquals(Outcome.FAILED, first);
        Outcome second = q.processNext(Duration.ofSeconds(5), item -> {
            handled.add(item);
            throw new IllegalStateException("failing on purpose");
        });
        assertEquals(Outcome.DEAD_LETTERED, second);
        assertEquals(Outcome.COMPLETED, q.processNext(Duration.ofSeconds(5), handled::add));
        assertEquals(List.of("urgent", "urgent", "bulk"), handled);
        assertEquals(1, AsyncOps.join(Session.of(client).ops().getChildren("/pq/dead-letter", null)).names().size());
        assertEquals(0, q.size());
    }

    @Test
    void size_countsEveryPriority() throws Exception {
        DistributedPriorityQueue<String> q = priorityQueue(zk.newClient());
        assertEquals(0, q.size());
        q.putAll(List.of("a", "b", "c"), 2);
        q.put("d", -1);
        assertEquals(4, q.size());
        assertEquals(Map.of(-1, 1L, 2, 3L), q.sizeByPriority());
        assertEquals(List.of(-1, 2), new ArrayList<>(q.sizeByPriority().keySet()), "lowest value first");
        assertEquals(Optional.of("d"), q.peek());
        assertEquals("d", q.take());
        assertEquals(3, q.size());
    }

    @Test
    void putWhoseReplyIsLost_isNotDuplicated_takeWhoseReplyIsLost_isNotLost() throws Exception {
        ZkClient producerClient = zk.newClient();
        ZkClient consumerClient = zk.newClient();
        DistributedPriorityQueue<String> producer = priorityQueue(producerClient);
        DistributedPriorityQueue<String> consumer = priorityQueue(consumerClient);
        producer.put("warm-up", 3); // keeps the lane's bucket from being reaped while the dropped put applies
        CompletableFuture<Integer> dropped = zk.dropNextReply(producerClient, OpCode.multi);
        producer.put("once", 3);
        assertTrue(dropped.isDone(), "the put's reply was dropped");
        CompletableFuture<Integer> droppedTake = zk.dropNextReply(consumerClient, OpCode.multi);
        assertEquals("warm-up", consumer.take());
        assertTrue(droppedTake.isDone(), "the take's reply was dropped");
        assertEquals("once", consumer.take());
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(300)));
    }

    @Test
    void laneNames_sortAsPriorities() {
        int[] priorities = {Integer.MIN_VALUE, -1000, -1, 0, 1, 7, 1000, Integer.MAX_VALUE};
        for (int i = 0; i + 1 < priorities.length; i++) {
            String lower = DistributedPriorityQueue.laneOf(priorities[i]);
            String higher = DistributedPriorityQueue.laneOf(priorities[i + 1]);
            assertTrue(lower.compareTo(higher) < 0, lower + " sorts before " + higher);
            assertEquals(priorities[i], DistributedPriorityQueue.priorityOf(lower));
        }
    }

    @Test
    void badInput_rejectedBeforeSending() throws Exception {
        ZkClient client = zk.newClient();
        DistributedPriorityQueue<String> q = priorityQueue(client);
        long requests = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> q.put(null, 1));
        assertThrows(NullPointerException.class, () -> q.putAll(null, 1));
        assertThrows(NullPointerException.class, () -> q.poll(null));
        assertThrows(NullPointerException.class, () -> q.processNext(Duration.ZERO, null));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> q.poll(Duration.ofMillis(-1)));
        assertTrue(negative.getMessage().contains("timeout"), negative.getMessage());
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
                () -> q.put("x".repeat(client.maxDataBytes() + 1), 0));
        assertTrue(tooLarge.getMessage().contains("bytes"), tooLarge.getMessage());
        assertEquals(requests, client.requestStats().total(), "nothing was sent");
        assertThrows(IllegalArgumentException.class,
                () -> DistributedPriorityQueue.builder(client, "/", Serializer.utf8()));
        assertThrows(IllegalArgumentException.class,
                () -> DistributedPriorityQueue.builder(client, "no-slash", Serializer.utf8()));
        assertThrows(NullPointerException.class, () -> DistributedPriorityQueue.builder(client, "/pq", null));
        DistributedPriorityQueue.Builder<String> b = DistributedPriorityQueue.builder(client, "/pq", Serializer.utf8());
        IllegalArgumentException capacity = assertThrows(IllegalArgumentException.class, () -> b.bucketCapacity(0));
        assertTrue(capacity.getMessage().contains("bucketCapacity"), capacity.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.maxAttempts(0));
        assertThrows(IllegalArgumentException.class, () -> b.maxPutsInFlight(DistributedQueue.MAX_PUTS_IN_FLIGHT + 1));
        assertEquals(0, q.size(), "nothing was put");
    }

    @Test
    void useAfterClose_throwsIllegalState_andCloseWakesAWaitingTake() throws Exception {
        ZkClient client = zk.newClient();
        DistributedPriorityQueue<String> q = priorityQueue(client);
        CompletableFuture<String> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return q.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> QueueTesting.watchCount(client) >= 1); // waiting
        q.close();
        Throwable failure = assertThrows(Exception.class, () -> taken.get(5, TimeUnit.SECONDS)).getCause();
        assertTrue(failure instanceof IllegalStateException, String.valueOf(failure));
        assertThrows(IllegalStateException.class, () -> q.put("a", 1));
        assertThrows(IllegalStateException.class, () -> q.putAsync("a", 1));
        assertThrows(IllegalStateException.class, q::take);
        assertThrows(IllegalStateException.class, () -> q.poll(Duration.ZERO));
        assertThrows(IllegalStateException.class, q::peek);
        assertThrows(IllegalStateException.class, q::size);
        assertThrows(IllegalStateException.class, () -> q.processNext(Duration.ZERO, s -> { }));
        q.close(); // idempotent
    }
}
