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
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Quorum lost: a put fails clearly within the retry deadline, nothing is lost or doubled, work resumes. */
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
}
