package io.zkrecipes.queue;

import static io.zkrecipes.queue.DelayQueueTest.delayQueue;
import static io.zkrecipes.queue.PriorityQueueTest.priorityQueue;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ItemHistory;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The priority and delay queues under the failure model's rows on one server: session expiry,
 * a connection cut with the session alive, a server restart. Every item is taken exactly once, and
 * no delayed item before its time (the server runs in this JVM: its clock is this wall clock).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LaneQueueFaultTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void priority_consumerSessionExpiresMidTraffic_eachItemTakenOnce() throws Exception {
        ZkClient expiring = zk.newClient();
        DistributedPriorityQueue<String> producer = priorityQueue(zk.newClient());
        ItemHistory<String> history = Traffic.run(List.of(priorityQueue(expiring), priorityQueue(zk.newClient())),
                q -> q.poll(Duration.ofMillis(200)), 300, i -> producer.putAsync("item-" + i, i % 4),
                () -> zk.expireSession(expiring));
        history.assertEachTakenExactlyOnce();
    }

    @Test
    void delay_consumerSessionExpiresWhileAnItemWaitsForItsTime_itIsTakenOnceWhenDue() throws Exception {
        ZkClient consumerClient = zk.newClient();
        DistributedDelayQueue<String> consumer = delayQueue(consumerClient);
        DistributedDelayQueue<String> producer = delayQueue(zk.newClient());
        long before = System.currentTimeMillis();
        producer.put("due in 2 s", Duration.ofSeconds(2));
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(300)), "read and held back: not due");
        zk.expireSession(consumerClient);
        assertEquals("due in 2 s", consumer.take());
        assertTrue(System.currentTimeMillis() >= before + 2000, "not early");
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(300)));
        assertEquals(0, producer.size());
    }

    @Test
    void delay_pollThatGaveUpOnATakenItem_thenClose_putsItBackDueAtOnce() throws Exception {
        ZkClient consumerClient = zk.newClient();
        DistributedDelayQueue<String> consumer = delayQueue(consumerClient);
        DistributedDelayQueue<String> producer = delayQueue(zk.newClient());
        producer.put("first", Duration.ZERO);
        assertEquals(Optional.of("first"), consumer.poll(WAIT)); // owner and marker exist now
        producer.put("delayed", Duration.ofSeconds(2)); // long beside the checks below: a kept delay shows
        CompletableFuture<Integer> dropped = zk.dropNextReplyAndCut(consumerClient, OpCode.multi);
        assertThrows(ZkRecipeException.class, () -> consumer.poll(Duration.ofSeconds(4)));
        assertTrue(dropped.isDone(), "the take was applied once the item was due, and its reply dropped");

        consumer.close();
        zk.restore(consumerClient);

        await().atMost(WAIT).until(() -> producer.size() == 1);
        // its delay is not counted again from the new node's creation: a poll that does not wait gets it
        assertEquals(Optional.of("delayed"), delayQueue(zk.newClient()).poll(Duration.ZERO));
        assertEquals(0, producer.size());
    }

    @Test
    void bothQueues_pollEndsInTimeDuringACut_andTheItemsAreTakenAfterIt() throws Exception {
        ZkClient consumerClient = zk.newClient();
        DistributedPriorityQueue<String> priority = priorityQueue(consumerClient);
        DistributedDelayQueue<String> delay = delayQueue(consumerClient);
        DistributedPriorityQueue<String> priorityProducer = priorityQueue(zk.newClient());
        DistributedDelayQueue<String> delayProducer = delayQueue(zk.newClient());
        assertEquals(Optional.empty(), priority.poll(Duration.ZERO));
        assertEquals(Optional.empty(), delay.poll(Duration.ZERO));
        zk.cut(consumerClient);
        priorityProducer.put("urgent", 0);
        long before = System.currentTimeMillis();
        delayProducer.put("soon", Duration.ofMillis(500));
        for (Callable call : List.<Callable>of(() -> priority.poll(Duration.ofSeconds(1)),
                () -> delay.poll(Duration.ofSeconds(1)))) {
            long start = System.nanoTime();
            CompletableFuture<Object> polled = CompletableFuture.supplyAsync(call::callUnchecked);
            Object result = TimedCalls.valueWithin(polled, start, Duration.ofSeconds(2), "poll(1 s) during a cut");
            assertEquals(Optional.empty(), result, "nothing can be taken while cut");
        }
        zk.restore(consumerClient);
        assertEquals("urgent", priority.take());
        assertEquals("soon", delay.take());
        assertTrue(System.currentTimeMillis() >= before + 500, "not early");
    }

    @Test
    void bothQueues_serverRestart_itemsPutBeforeAreTakenOnceAfter() throws Exception {
        ZkClient consumerClient = zk.newClient();
        DistributedPriorityQueue<String> priority = priorityQueue(consumerClient);
        DistributedDelayQueue<String> delay = delayQueue(consumerClient);
        DistributedPriorityQueue<String> priorityProducer = priorityQueue(zk.newClient());
        DistributedDelayQueue<String> delayProducer = delayQueue(zk.newClient());
        priorityProducer.put("bulk", 9);
        priorityProducer.put("urgent", 1);
        long before = System.currentTimeMillis();
        delayProducer.put("due during the restart", Duration.ofMillis(800));
        assertEquals(Optional.empty(), delay.poll(Duration.ZERO), "not due yet");
        zk.killServer(0);
        zk.restartServer(0);
        assertEquals(List.of("urgent", "bulk"), List.of(priority.take(), priority.take()));
        assertEquals("due during the restart", delay.take());
        assertTrue(System.currentTimeMillis() >= before + 800, "not early");
        assertEquals(Optional.empty(), priority.poll(Duration.ofMillis(300)));
        assertEquals(Optional.empty(), delay.poll(Duration.ofMillis(300)));
    }

    /** A call that polls one item, or empty. */
    interface Callable {
        Object call() throws Exception;

        default Object callUnchecked() {
            try {
                return call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Traffic through a queue with a fault in the middle: polling consumers, each on a thread and
     * recording what it took, and one producer's pipelined puts; the fault strikes after a third of
     * the puts, once some items were taken.
     */
    static final class Traffic implements AutoCloseable {
        interface Poll<Q> {
            Optional<String> poll(Q queue) throws Exception;
        }

        interface Put {
            CompletableFuture<Void> put(int index);
        }

        private final ExecutorService pool = Executors.newCachedThreadPool();
        private final List<Future<?>> running = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final ItemHistory<String> history = new ItemHistory<>();

        /**
         * Runs the traffic: {@code count} items put by {@code put} (item {@code i} is named
         * {@code "item-" + i}) and taken by {@code consumers}, {@code fault} in between; returns
         * once every item was taken.
         */
        static <Q> ItemHistory<String> run(List<Q> consumers, Poll<Q> poll, int count, Put put, Runnable fault)
                throws Exception {
            try (Traffic traffic = new Traffic()) {
                for (int c = 0; c < consumers.size(); c++) {
                    Q q = consumers.get(c);
                    traffic.consume("consumer-" + c, () -> poll.poll(q));
                }
                List<CompletableFuture<Void>> puts = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    traffic.history.produced("item-" + i);
                    puts.add(put.put(i));
                    if (i == count / 3) {
                        await().atMost(WAIT).until(() -> traffic.history.takenCount() >= 10);
                        fault.run();
                    }
                }
                CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                traffic.awaitAllTaken();
                return traffic.history;
            }
        }

        private void consume(String id, java.util.concurrent.Callable<Optional<String>> poll) {
            running.add(pool.submit(() -> {
                while (!stop.get()) {
                    try {
                        QueueTesting.pollThroughFaults(poll).ifPresent(item -> history.taken(item, id));
                    } catch (io.zkrecipes.core.ZkRecipeException e) {
                        // a poll whose requests failed during the fault: the next one resolves it
                    }
                }
                return null;
            }));
        }

        /** Waits until every produced item was taken; at the deadline fails naming what is missing and why. */
        private void awaitAllTaken() {
            try {
                await().atMost(WAIT).until(history::allTaken);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                for (Future<?> f : running) {
                    if (f.isDone()) {
                        e.addSuppressed(new AssertionError("a consumer ended early", failure(f)));
                    }
                }
                history.assertEachTakenExactlyOnce(); // names the missing items
                throw e;
            }
        }

        private static Throwable failure(Future<?> f) {
            try {
                f.get();
                return null;
            } catch (Exception e) {
                return e;
            }
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
        }
    }
}
