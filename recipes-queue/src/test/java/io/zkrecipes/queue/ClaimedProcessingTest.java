package io.zkrecipes.queue;

import io.zkrecipes.core.internal.Session;
import static io.zkrecipes.queue.QueueTesting.queue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.queue.DistributedQueue.Outcome;
import io.zkrecipes.testing.ItemHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** processNext: removal only after the handler returned, claims that die with their session, retries, dead letters. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClaimedProcessingTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void handlerReturns_itemRemoved() throws Exception {
        DistributedQueue<String> q = queue(zk.newClient(), "/q", 10_000);
        q.put("job");
        List<String> seen = new ArrayList<>();
        assertEquals(Outcome.COMPLETED, q.processNext(Duration.ofSeconds(5), seen::add));
        assertEquals(List.of("job"), seen);
        assertEquals(0, q.size());
        assertEquals(Outcome.EMPTY, q.processNext(Duration.ofMillis(50), seen::add));
    }

    @Test
    void handlerThrows_retriedThenDeadLettered() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = DistributedQueue.builder(client, "/q", Serializer.utf8()).maxAttempts(2).build();
        q.put("poison");
        q.put("fine");
        assertEquals(Outcome.FAILED, q.processNext(Duration.ofSeconds(5), failOn("poison")));
        assertEquals(2, q.size(), "a failed item stays for a retry");
        List<String> done = new ArrayList<>();
        assertEquals(Outcome.DEAD_LETTERED, q.processNext(Duration.ofSeconds(5), failOn("poison")));
        assertEquals(Outcome.COMPLETED, q.processNext(Duration.ofSeconds(5), done::add));
        assertEquals(List.of("fine"), done);
        assertEquals(0, q.size());
        List<String> dead = AsyncOps.join(Session.of(client).ops().getChildren("/q/dead-letter", null)).names();
        assertEquals(1, dead.size());
        byte[] data = AsyncOps.join(Session.of(client).ops().getData("/q/dead-letter/" + dead.get(0), null)).data();
        assertArrayEquals("poison".getBytes(StandardCharsets.UTF_8), data);
        assertTrue(AsyncOps.join(Session.of(client).ops().getChildren("/q/attempts", null)).names().isEmpty(),
                "no attempt counters left behind");
    }

    @Test
    void sessionExpiredWhileProcessing_itemProcessedByAnotherAndStaleCompletionRefused() throws Exception {
        ZkClient staleClient = zk.newClient();
        DistributedQueue<String> stale = queue(staleClient, "/q", 10_000);
        DistributedQueue<String> other = queue(zk.newClient(), "/q", 10_000);
        ItemHistory<String> history = new ItemHistory<>();
        history.produced("job");
        stale.put("job");
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Outcome> staleOutcome = CompletableFuture.supplyAsync(() -> process(stale, item -> {
            history.taken(item, "stale");
            inHandler.countDown();
            awaitQuietly(release);
        }));
        assertTrue(inHandler.await(10, TimeUnit.SECONDS));
        // the other consumer is already waiting: the claimed item is passed over and its claim watched
        CompletableFuture<Outcome> otherOutcome = CompletableFuture.supplyAsync(
                () -> process(other, item -> history.taken(item, "other")));
        zk.expireSession(staleClient);
        assertEquals(Outcome.COMPLETED, otherOutcome.get(20, TimeUnit.SECONDS));
        release.countDown();
        assertEquals(Outcome.CLAIM_LOST, staleOutcome.get(20, TimeUnit.SECONDS));
        history.assertEachTakenAtLeastOnce();
        assertEquals(0, other.size());
        assertEquals(Outcome.EMPTY, other.processNext(Duration.ofMillis(100), item -> { }));
    }

    @Test
    void take_skipsAnItemClaimedForProcessing() throws Exception {
        DistributedQueue<String> processor = queue(zk.newClient(), "/q", 10_000);
        DistributedQueue<String> taker = queue(zk.newClient(), "/q", 10_000);
        processor.put("first");
        processor.put("second");
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Outcome> processed = CompletableFuture.supplyAsync(() -> process(processor, item -> {
            inHandler.countDown();
            awaitQuietly(release);
        }));
        assertTrue(inHandler.await(10, TimeUnit.SECONDS));
        assertEquals(Optional.of("second"), taker.poll(Duration.ofSeconds(5)));
        assertEquals(Optional.empty(), taker.poll(Duration.ofMillis(100)), "the claimed item is not taken");
        release.countDown();
        assertEquals(Outcome.COMPLETED, processed.get(10, TimeUnit.SECONDS));
        assertEquals(0, taker.size());
    }

    @Test
    void itemReleasedByAFailure_isTakenByAWaitingConsumer() throws Exception {
        DistributedQueue<String> processor = queue(zk.newClient(), "/q", 10_000);
        DistributedQueue<String> taker = queue(zk.newClient(), "/q", 10_000);
        processor.put("retry-me");
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Outcome> processed = CompletableFuture.supplyAsync(() -> process(processor, item -> {
            inHandler.countDown();
            awaitQuietly(release);
            throw new IllegalStateException("downstream unavailable");
        }));
        assertTrue(inHandler.await(10, TimeUnit.SECONDS));
        CompletableFuture<String> taken = QueueFaultTest.takeInBackground(taker);
        release.countDown();
        assertEquals(Outcome.FAILED, processed.get(10, TimeUnit.SECONDS));
        assertEquals("retry-me", taken.get(10, TimeUnit.SECONDS));
    }

    private static java.util.function.Consumer<String> failOn(String poison) {
        return item -> {
            if (item.equals(poison)) {
                throw new IllegalStateException("cannot handle " + item);
            }
        };
    }

    private static Outcome process(DistributedQueue<String> q, java.util.function.Consumer<String> handler) {
        try {
            return q.processNext(Duration.ofSeconds(20), handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
