package io.zkrecipes.queue;

import static io.zkrecipes.queue.QueueTesting.pollThroughFaults;
import static io.zkrecipes.queue.QueueTesting.queue;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.ItemHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** putAsync with many puts in flight, and several consumers spreading over the queue. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PipelinedPutTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void pipelinedPuts_exactlyOnceAndInOrder_whileRepliesAreLostAndTheSessionExpires() throws Exception {
        ZkClient producerClient = zk.newClient();
        DistributedQueue<String> producer = queue(producerClient, "/q", 10_000);
        DistributedQueue<String> consumer = queue(zk.newClient(), "/q", 10_000);
        List<String> taken = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> consuming = CompletableFuture.runAsync(() -> drainUntil(consumer, taken, stop));
        long firstSession = Session.of(producerClient).sessionId();
        List<CompletableFuture<Integer>> drops = new ArrayList<>();
        Map<String, CompletableFuture<Void>> puts = new HashMap<>();
        CompletableFuture<Void> expiry = null;
        for (int round = 0; round < 10; round++) {
            if (round == 2 || round == 4 || round == 7) {
                drops.add(zk.dropNextReply(producerClient, OpCode.multi));
            }
            List<CompletableFuture<Void>> inRound = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String item = "item-" + (round * 100 + i);
                CompletableFuture<Void> put = producer.putAsync(item);
                puts.put(item, put);
                inRound.add(put);
            }
            if (round == 5) {
                expiry = CompletableFuture.runAsync(() -> zk.expireSession(producerClient));
            }
            // bounded: a round is on the wire while the next faults are armed
            CompletableFuture.allOf(inRound.toArray(new CompletableFuture<?>[0])).handle((v, e) -> null)
                    .get(30, TimeUnit.SECONDS);
        }
        expiry.get(30, TimeUnit.SECONDS);
        assertNotEquals(firstSession, Session.of(producerClient).sessionId(), "the producer's session expired");
        for (CompletableFuture<Integer> drop : drops) {
            assertTrue(drop.isDone(), "a put's reply was dropped");
        }
        List<String> acknowledged = new ArrayList<>();
        puts.forEach((item, put) -> {
            if (!put.isCompletedExceptionally()) {
                acknowledged.add(item);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> taken.containsAll(acknowledged));
        stop.set(true);
        consuming.get(10, TimeUnit.SECONDS);
        assertDeliveredOnceInOrder(puts, taken);
        assertEquals(1_000, acknowledged.size(), "every put was applied within the retry policy");
    }

    @Test
    void pipelinedPuts_keepOrderAcrossBucketRollOvers() throws Exception {
        DistributedQueue<String> producer = DistributedQueue.builder(zk.newClient(), "/q", Serializer.utf8())
                .bucketCapacity(50).maxPutsInFlight(128).build();
        DistributedQueue<String> consumer = queue(zk.newClient(), "/q", 50);
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            puts.add(producer.putAsync("item-" + i));
        }
        CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        List<String> out = DistributedQueueTest.drain(consumer);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            expected.add("item-" + i);
        }
        assertEquals(expected, out);
    }

    @Test
    void putsQueuedBehindAFullWindow_goOutMergedIntoFewMultis_inOrder() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> producer = DistributedQueue.builder(client, "/q", Serializer.utf8())
                .maxPutsInFlight(1).build();
        producer.put("first"); // the queue's layout is made: what follows is puts alone
        long multisBefore = client.requestStats().count(RequestStats.Type.MULTI);
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 320; i++) {
            puts.add(producer.putAsync("item-" + i));
        }
        CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        long multis = client.requestStats().count(RequestStats.Type.MULTI) - multisBefore;
        // one put on the wire at a time: the first goes alone, the rest wait and go out up to 32 to a
        // multi (11 multis when the loop outruns the first reply; unmerged it would be 320)
        assertTrue(multis <= 320 / 8, multis + " multis for 320 puts");
        List<String> expected = new ArrayList<>(List.of("first"));
        for (int i = 0; i < 320; i++) {
            expected.add("item-" + i);
        }
        assertEquals(expected, DistributedQueueTest.drain(queue(zk.newClient(), "/q", 10_000)));
    }

    @Test
    void putAsyncAndPut_areOrderedTogether() throws Exception {
        DistributedQueue<String> q = queue(zk.newClient(), "/q", 10_000);
        CompletableFuture<Void> first = q.putAsync("a");
        q.put("b");
        q.putAll(List.of("c", "d"));
        CompletableFuture<Void> last = q.putAsync("e");
        last.get(10, TimeUnit.SECONDS);
        assertTrue(first.isDone() && !first.isCompletedExceptionally());
        assertEquals(List.of("a", "b", "c", "d", "e"), DistributedQueueTest.drain(q));
    }

    @Test
    void fourConsumers_tenThousandItems_noDuplicateNoLoss() throws Exception {
        ItemHistory<String> history = new ItemHistory<>();
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> consumers = new ArrayList<>();
        try {
            for (int c = 0; c < 4; c++) {
                String id = "consumer-" + c;
                DistributedQueue<String> q = queue(zk.newClient(), "/q", 10_000);
                consumers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        pollThroughFaults(() -> q.poll(Duration.ofMillis(100))).ifPresent(item -> history.taken(item, id));
                    }
                    return null;
                }));
            }
            List<CompletableFuture<Void>> puts = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                String item = "item-" + i;
                history.produced(item);
                puts.add(producer.putAsync(item));
            }
            CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).until(history::allTaken);
            stop.set(true);
            for (Future<?> f : consumers) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        history.assertEachTakenExactlyOnce();
        assertEquals(Optional.empty(), producer.poll(Duration.ofMillis(200)));
    }

    @Test
    void takesOfEightThreads_goOutTogether_exactlyOnce_whileRepliesAreLostAndTheSessionExpires() throws Exception {
        ItemHistory<String> history = new ItemHistory<>();
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            history.produced("item-" + i);
            puts.add(producer.putAsync("item-" + i));
        }
        CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        ZkClient consumerClient = zk.newClient();
        DistributedQueue<String> consumer = queue(consumerClient, "/q", 10_000);
        long multisBefore = consumerClient.requestStats().count(RequestStats.Type.MULTI);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> takers = new ArrayList<>();
        try {
            for (int t = 0; t < 8; t++) {
                String id = "thread-" + t;
                takers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        // short polls: some give up while their take is on the wire, and a later one gets the item
                        pollThroughFaults(() -> consumer.poll(Duration.ofMillis(100)))
                                .ifPresent(item -> history.taken(item, id));
                    }
                    return null;
                }));
            }
            // the first reply is lost while thousands of items wait; a later drop may find the
            // queue already drained, with no multi left to lose a reply of
            zk.dropNextReply(consumerClient, OpCode.multi).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 2 && !history.allTaken(); i++) {
                CompletableFuture<Integer> dropped = zk.dropNextReply(consumerClient, OpCode.multi);
                await().atMost(Duration.ofSeconds(30)).until(() -> dropped.isDone() || history.allTaken());
            }
            zk.expireSession(consumerClient);
            await().atMost(Duration.ofSeconds(60)).until(history::allTaken);
            stop.set(true);
            for (Future<?> f : takers) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        history.assertEachTakenExactlyOnce();
        long multis = consumerClient.requestStats().count(RequestStats.Type.MULTI) - multisBefore;
        // eight threads of one instance: while one multi of takes is on the wire the others' takes wait, then go together
        assertTrue(multis < 5_000 / 2, multis + " multis for 5,000 takes");
    }

    @Test
    void fourProcessingConsumers_eachItemCompletedOnce() throws Exception {
        ItemHistory<String> history = new ItemHistory<>();
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            history.produced("item-" + i);
            puts.add(producer.putAsync("item-" + i));
        }
        CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                String id = "consumer-" + c;
                DistributedQueue<String> q = queue(zk.newClient(), "/q", 10_000);
                runs.add(pool.submit(() -> {
                    while (q.processNext(Duration.ofMillis(300), item -> history.taken(item, id))
                            != DistributedQueue.Outcome.EMPTY) {
                        // next
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        history.assertEachTakenExactlyOnce();
    }

    @Test
    void badInput_rejectedAtOnce() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = queue(client, "/q", 10_000);
        long requests = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> q.putAsync(null));
        assertThrows(IllegalArgumentException.class, () -> q.putAsync("x".repeat(client.maxDataBytes() + 1)));
        assertEquals(requests, client.requestStats().total(), "nothing sent");
        var builder = DistributedQueue.builder(client, "/q", Serializer.utf8());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> builder.maxPutsInFlight(0));
        assertTrue(zero.getMessage().contains("maxPutsInFlight"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.maxPutsInFlight(-1));
        assertThrows(IllegalArgumentException.class,
                () -> builder.maxPutsInFlight(DistributedQueue.MAX_PUTS_IN_FLIGHT + 1));
    }

    @Test
    void putAsyncAfterClose_throwsIllegalState() throws Exception {
        DistributedQueue<String> q = queue(zk.newClient(), "/q", 10_000);
        q.close();
        assertThrows(IllegalStateException.class, () -> q.putAsync("x"));
    }

    @Test
    void pendingPuts_failWhenTheQueueCloses() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = queue(client, "/q", 10_000);
        q.put("first");
        zk.cut(client);
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            pending.add(q.putAsync("pending-" + i));
        }
        q.close();
        for (CompletableFuture<Void> put : pending) {
            assertFailsWith(IllegalStateException.class, put);
        }
    }

    @Test
    void pendingPuts_failWhenTheClientCloses() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = queue(client, "/q", 10_000);
        q.put("first");
        zk.cut(client);
        CompletableFuture<Void> pending = q.putAsync("pending");
        client.close();
        assertFailsWith(IllegalStateException.class, pending);
        assertThrows(IllegalStateException.class, () -> q.putAsync("after"));
    }

    private static void assertFailsWith(Class<? extends Throwable> type, CompletableFuture<Void> put) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> put.get(20, TimeUnit.SECONDS));
        assertTrue(type.isInstance(e.getCause()), "failed with " + e.getCause());
    }

    private static void drainUntil(DistributedQueue<String> q, List<String> taken, AtomicBoolean stop) {
        try {
            while (!stop.get()) {
                pollThroughFaults(() -> q.poll(Duration.ofMillis(100))).ifPresent(taken::add);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new AssertionError("a poll was refused", e);
        }
    }

    /** Acknowledged puts taken exactly once, failed ones at most once, nothing else, in put order. */
    private static void assertDeliveredOnceInOrder(Map<String, CompletableFuture<Void>> puts, List<String> taken) {
        Map<String, Integer> counts = new HashMap<>();
        int previous = -1;
        for (String item : taken) {
            counts.merge(item, 1, Integer::sum);
            assertTrue(puts.containsKey(item), "taken but never put: " + item);
            int n = Integer.parseInt(item.substring("item-".length()));
            assertTrue(n > previous, item + " taken after item-" + previous);
            previous = n;
        }
        puts.forEach((item, put) -> {
            int count = counts.getOrDefault(item, 0);
            if (put.isCompletedExceptionally()) {
                assertTrue(count <= 1, "failed put taken " + count + " times: " + item);
            } else {
                assertEquals(1, count, "acknowledged put taken " + count + " times: " + item);
            }
        });
    }
}
