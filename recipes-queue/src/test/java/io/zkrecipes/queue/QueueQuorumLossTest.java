package io.zkrecipes.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Quorum lost: a put fails clearly within the retry deadline, a poll ends at its deadline, nothing is
 * lost or doubled, work resumes; for the plain queue and for the priority and delay queues.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class QueueQuorumLossTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    void put_failsClearlyWhileQuorumIsLost_andTheQueueResumesIntact() throws Exception {
        RetryPolicy twoSeconds = RetryPolicy.exponentialBackoff(Duration.ofMillis(50), Duration.ofMillis(200),
                Duration.ofSeconds(2));
        ZkClient client = zk.newClient(b -> b.retryPolicy(twoSeconds).sessionTimeout(Duration.ofSeconds(20)));
        DistributedQueue<String> queue = DistributedQueue.builder(client, "/queues/quorum", Serializer.utf8()).build();
        for (int i = 0; i < 5; i++) {
            queue.put("before-" + i);
        }

        zk.stopAll();
        long start = System.nanoTime();
        ZkRecipeException e = assertThrows(ZkRecipeException.class, () -> queue.put("during"));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "failed within the retry deadline");
        assertTrue(ZkClient.isRetryable(e.code()), e.toString());

        zk.startAll();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(client::isConnected);
        for (int i = 0; i < 5; i++) {
            queue.put("after-" + i);
        }
        List<String> taken = new ArrayList<>();
        for (Optional<String> item = queue.poll(Duration.ofSeconds(5)); item.isPresent();
                item = queue.poll(Duration.ofMillis(500))) {
            taken.add(item.get());
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            expected.add("before-" + i);
        }
        for (int i = 0; i < 5; i++) {
            expected.add("after-" + i);
        }
        assertEquals(expected, taken, "the failed put was never applied; nothing lost, nothing doubled, FIFO kept");
        assertEquals(Optional.empty(), queue.poll(Duration.ZERO));
    }

    @Test
    void priorityAndDelayQueues_failClearlyWhileQuorumIsLost_andResumeIntact() throws Exception {
        RetryPolicy twoSeconds = RetryPolicy.exponentialBackoff(Duration.ofMillis(50), Duration.ofMillis(200),
                Duration.ofSeconds(2));
        ZkClient client = zk.newClient(b -> b.retryPolicy(twoSeconds).sessionTimeout(Duration.ofSeconds(20)));
        DistributedPriorityQueue<String> priority =
                DistributedPriorityQueue.builder(client, "/queues/quorum-priority", Serializer.utf8()).build();
        DistributedDelayQueue<String> delay = DistributedDelayQueue.builder(client, "/queues/quorum-delay",
                Serializer.utf8()).resolution(Duration.ofMillis(100)).build();
        priority.put("bulk-before", 5);
        priority.put("urgent-before", 0);
        long before = System.currentTimeMillis();
        delay.put("due during the outage", Duration.ofMillis(1500));
        assertEquals(Optional.empty(), delay.poll(Duration.ZERO), "read and held: not due yet");

        zk.stopAll();
        long start = System.nanoTime();
        ZkRecipeException e = assertThrows(ZkRecipeException.class, () -> priority.put("during", 0));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "failed within the retry deadline");
        assertTrue(ZkClient.isRetryable(e.code()), e.toString());
        List<Callable<Optional<String>>> polls =
                List.of(() -> priority.poll(Duration.ofSeconds(1)), () -> delay.poll(Duration.ofSeconds(1)));
        for (Callable<Optional<String>> poll : polls) {
            long polled = System.nanoTime();
            assertEquals(Optional.empty(), poll.call(), "nothing can be taken while the quorum is gone");
            assertTrue(System.nanoTime() - polled < TimeUnit.SECONDS.toNanos(3), "poll(1 s) returned in time");
        }

        zk.startAll();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(client::isConnected);
        assertEquals(List.of("urgent-before", "bulk-before"), List.of(priority.take(), priority.take()),
                "the failed put was never applied; priority order kept");
        assertEquals("due during the outage", delay.take());
        assertTrue(System.currentTimeMillis() >= before + 1500, "not early");
        assertEquals(Optional.empty(), priority.poll(Duration.ofMillis(300)));
        assertEquals(Optional.empty(), delay.poll(Duration.ofMillis(300)));
    }
}
