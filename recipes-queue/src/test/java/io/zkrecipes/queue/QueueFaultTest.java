package io.zkrecipes.queue;

import static io.zkrecipes.queue.QueueTesting.queue;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Lost replies, session expiry and long disconnections on one server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueueFaultTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void putWhoseReplyIsLost_isNotDuplicated() throws Exception {
        ZkClient producerClient = zk.newClient();
        DistributedQueue<String> producer = queue(producerClient, "/q", 10_000);
        DistributedQueue<String> consumer = queue(zk.newClient(), "/q", 10_000);
        // left in the bucket: a bucket holding an item is never reaped, so the dropped multi is applied
        producer.put("warm-up");
        CompletableFuture<Integer> dropped = zk.dropNextReply(producerClient, OpCode.multi);
        producer.put("once");
        assertTrue(dropped.isDone(), "the put's reply was dropped");
        producer.put("next");
        assertEquals("warm-up", consumer.take());
        assertEquals("once", consumer.take());
        assertEquals("next", consumer.take());
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(200)));
    }

    @Test
    void putWhoseReplyIsLost_notDuplicatedWhenTakenBeforeTheProducerRecovers() throws Exception {
        ZkClient producerClient = zk.newClient();
        DistributedQueue<String> producer = queue(producerClient, "/q", 10_000);
        DistributedQueue<String> consumer = queue(zk.newClient(), "/q", 10_000);
        // left in the bucket until the put below was applied: an emptied tail bucket is a container the
        // server may reap at any moment, and a put into a reaped bucket fails (NONODE) instead of applying
        producer.put("warm-up");
        // keep the producer away once its put was applied and its reply dropped
        CompletableFuture<Void> away = zk.dropNextReply(producerClient, OpCode.multi)
                .thenRunAsync(() -> zk.cut(producerClient));
        CompletableFuture<Void> put = CompletableFuture.runAsync(() -> {
            try {
                producer.put("only-once");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        away.get(10, TimeUnit.SECONDS);
        assertEquals(Optional.of("warm-up"), consumer.poll(Duration.ofSeconds(10)));
        assertEquals(Optional.of("only-once"), consumer.poll(Duration.ofSeconds(10)));
        assertFalse(put.isDone(), "taken before the producer recovered");
        zk.restore(producerClient);
        put.get(30, TimeUnit.SECONDS);
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(300)),
                "the recovered put was not applied twice");
    }

    @Test
    void takeWhoseReplyIsLost_neitherLosesNorDuplicates() throws Exception {
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        ZkClient consumerClient = zk.newClient();
        DistributedQueue<String> consumer = queue(consumerClient, "/q", 10_000);
        DistributedQueue<String> other = queue(zk.newClient(), "/q", 10_000);
        producer.put("a");
        producer.put("b");
        CompletableFuture<Integer> dropped = zk.dropNextReply(consumerClient, OpCode.multi);
        assertEquals("a", consumer.take());
        assertTrue(dropped.isDone(), "the take's reply was dropped");
        assertEquals("b", other.take());
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(200)));
        assertEquals(Optional.empty(), other.poll(Duration.ZERO));
    }

    @Test
    void pollWhoseTakeHasNoReplyByItsDeadline_throwsInsteadOfEmpty_andAWaitingTakeGetsTheItem() throws Exception {
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        ZkClient consumerClient = zk.newClient();
        DistributedQueue<String> consumer = queue(consumerClient, "/q", 10_000);

        ZkRecipeException inDoubt = takeOfBInDoubt(producer, consumerClient, consumer);

        assertTrue(inDoubt.getMessage().contains("may have been taken"), inDoubt.getMessage());
        // a take already waiting when the lost one is resolved as taken gets its item
        BackgroundTake waiting = BackgroundTake.start(consumer);
        waiting.awaitParked();
        zk.restore(consumerClient);
        assertEquals("b", waiting.taken().get(20, TimeUnit.SECONDS));
        assertEquals(0, producer.size());
        assertEquals(Optional.empty(), producer.poll(Duration.ZERO));
    }

    @Test
    void anItemTakenForACallerThatGaveUp_goesToTheWaitingTake_notToWaitingProcessNextCalls() throws Exception {
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        ZkClient consumerClient = zk.newClient();
        DistributedQueue<String> consumer = queue(consumerClient, "/q", 10_000);
        takeOfBInDoubt(producer, consumerClient, consumer);
        // three processNext calls wait beside the take: one wake alone would most often reach one of them
        List<CompletableFuture<DistributedQueue.Outcome>> processing = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CompletableFuture<DistributedQueue.Outcome> outcome = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    outcome.complete(consumer.processNext(Duration.ofSeconds(40), item -> { }));
                } catch (Throwable e) {
                    outcome.completeExceptionally(e);
                }
            });
            t.setDaemon(true);
            t.start();
            processing.add(outcome);
            threads.add(t);
        }
        BackgroundTake waiting = BackgroundTake.start(consumer);
        waiting.awaitParked();
        await().atMost(Duration.ofSeconds(10)).until(() -> threads.stream().allMatch(QueueFaultTest::parked));

        zk.restore(consumerClient);

        assertEquals("b", waiting.taken().get(20, TimeUnit.SECONDS));
        assertTrue(processing.stream().noneMatch(CompletableFuture::isDone), "nothing was there to process");
        assertEquals(0, producer.size());
    }

    /**
     * Puts a and b and polls a; then the poll of b is applied, its reply lost and the consumer cut
     * off (until {@code restore}): that poll throws, and b's take is in doubt.
     */
    private static ZkRecipeException takeOfBInDoubt(DistributedQueue<String> producer, ZkClient consumerClient,
            DistributedQueue<String> consumer) throws Exception {
        producer.put("a");
        producer.put("b");
        assertEquals(Optional.of("a"), consumer.poll(Duration.ofSeconds(10))); // owner and marker exist now
        CompletableFuture<Integer> dropped = zk.dropNextReplyAndCut(consumerClient, OpCode.multi);
        ZkRecipeException inDoubt = assertThrows(ZkRecipeException.class, () -> consumer.poll(Duration.ZERO));
        assertTrue(dropped.isDone(), "the take of b was applied and its reply dropped");
        return inDoubt;
    }

    private static boolean parked(Thread t) {
        return t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING;
    }

    @Test
    void pollThatGaveUpOnATakenItem_thenClose_putsTheItemBackAtTheHead_andLeavesNoMarker() throws Exception {
        ZkClient producerClient = zk.newClient();
        DistributedQueue<String> producer = queue(producerClient, "/q", 10_000);
        ZkClient consumerClient = zk.newClient();
        DistributedQueue<String> consumer = queue(consumerClient, "/q", 10_000);
        for (String item : List.of("a", "b", "c")) {
            producer.put(item);
        }
        assertEquals(Optional.of("a"), consumer.poll(Duration.ofSeconds(10))); // owner and marker exist now
        CompletableFuture<Integer> dropped = zk.dropNextReplyAndCut(consumerClient, OpCode.multi);
        assertThrows(ZkRecipeException.class, () -> consumer.poll(Duration.ZERO));
        assertTrue(dropped.isDone(), "the take of b was applied and its reply dropped");

        consumer.close(); // while the take's outcome is unknown: its marker must outlive the close
        zk.restore(consumerClient);

        await().atMost(Duration.ofSeconds(20)).until(() -> producer.size() == 2);
        DistributedQueue<String> next = queue(zk.newClient(), "/q", 10_000);
        assertEquals(Optional.of("b"), next.poll(Duration.ofSeconds(10)), "back at the head, under its own name");
        assertEquals(Optional.of("c"), next.poll(Duration.ofSeconds(10)));
        assertEquals(Optional.empty(), next.poll(Duration.ZERO));
        await().atMost(Duration.ofSeconds(20)).until(() -> markerOwners(producerClient) == 2); // producer's, next's
    }

    /** How many instances have marker or owner nodes in queue {@code /q}. */
    private static long markerOwners(ZkClient client) throws Exception {
        List<String> names = AsyncOps.join(Session.of(client).ops().getChildren("/q/markers", null)).names();
        return names.stream().map(n -> n.substring(0, 16)).distinct().count();
    }

    @Test
    void consumerSessionExpiredWhileWaiting_stillGetsTheNextPut() throws Exception {
        ZkClient consumerClient = zk.newClient();
        DistributedQueue<String> consumer = queue(consumerClient, "/q", 10_000);
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        CompletableFuture<String> taken = takeInBackground(consumer);
        awaitWaiting(consumerClient);
        zk.expireSession(consumerClient);
        producer.put("after-expiry");
        assertEquals("after-expiry", taken.get(20, TimeUnit.SECONDS));
    }

    @Test
    void connectionCutLongerThanSessionTimeout_thenPut_isConsumed() throws Exception {
        ZkClient consumerClient = zk.newClient();
        ZkClient producerClient = zk.newClient();
        DistributedQueue<String> consumer = queue(consumerClient, "/q", 10_000);
        DistributedQueue<String> producer = queue(producerClient, "/q", 10_000);
        CompletableFuture<String> taken = takeInBackground(consumer);
        awaitWaiting(consumerClient);
        AsyncOps.join(Session.of(consumerClient).ops().create("/alive", new byte[0], CreateMode.EPHEMERAL));
        zk.cut(consumerClient);
        // the server expires the cut session: its ephemeral node goes
        await().atMost(Duration.ofSeconds(20))
                .until(() -> AsyncOps.join(Session.of(producerClient).ops().exists("/alive", null)) == null);
        producer.put("after-outage");
        zk.restore(consumerClient);
        assertEquals("after-outage", taken.get(30, TimeUnit.SECONDS));
    }

    @Test
    void putDuringADisconnection_isAppliedOnceAfterReconnecting() throws Exception {
        ZkClient producerClient = zk.newClient();
        DistributedQueue<String> producer = queue(producerClient, "/q", 10_000);
        DistributedQueue<String> consumer = queue(zk.newClient(), "/q", 10_000);
        zk.cut(producerClient);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Void> put = CompletableFuture.runAsync(() -> {
            started.countDown();
            try {
                producer.put("queued-while-away");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(started.await(5, TimeUnit.SECONDS));
        zk.restore(producerClient);
        put.get(30, TimeUnit.SECONDS);
        assertEquals("queued-while-away", consumer.take());
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(200)));
    }

    static CompletableFuture<String> takeInBackground(DistributedQueue<String> q) {
        return BackgroundTake.start(q).taken();
    }

    /** A {@code take()} on a thread of its own. */
    record BackgroundTake(Thread thread, CompletableFuture<String> taken) {
        static BackgroundTake start(DistributedQueue<String> q) {
            CompletableFuture<String> taken = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    taken.complete(q.take());
                } catch (Throwable e) {
                    taken.completeExceptionally(e);
                }
            });
            t.setDaemon(true);
            t.start();
            return new BackgroundTake(t, taken);
        }

        /** Waits until the take's thread is parked: waiting for an item, as it does while disconnected. */
        void awaitParked() {
            await().atMost(Duration.ofSeconds(10)).until(() -> thread.getState() == Thread.State.WAITING
                    || thread.getState() == Thread.State.TIMED_WAITING);
        }
    }

    /** Waits until the consumer's take has listed the empty queue and set its watches. */
    static void awaitWaiting(ZkClient client) {
        await().atMost(Duration.ofSeconds(10)).until(() -> QueueTesting.watchCount(client) >= 1);
    }
}
