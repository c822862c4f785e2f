package io.zkrecipes.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Quorum lost: acquiring fails within the retry deadline with a clear exception; the lock works again once it returns. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class QuorumLossTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    void acquire_failsClearlyWhileQuorumIsLost_andWorksWhenItReturns() throws Exception {
        RetryPolicy twoSeconds = RetryPolicy.exponentialBackoff(Duration.ofMillis(50), Duration.ofMillis(200),
                Duration.ofSeconds(2));
        ZkClient holder = zk.newClient(b -> b.retryPolicy(twoSeconds).sessionTimeout(Duration.ofSeconds(20)));
        SequentialLock lock = SequentialLock.create(holder, "/locks/quorum");
        Lease lease = lock.acquire(Duration.ofSeconds(10)).orElseThrow();

        zk.stopAll();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !lease.isValid());
        SequentialLock other = SequentialLock.create(holder, "/locks/quorum");
        long timed = System.nanoTime();
        assertTrue(other.acquire(Duration.ofSeconds(3)).isEmpty(), "a timed acquire answers 'not now' at its deadline");
        assertTrue(System.nanoTime() - timed < TimeUnit.SECONDS.toNanos(4), "returned within its timeout");
        long start = System.nanoTime();
        ZkRecipeException e = assertThrows(ZkRecipeException.class, other::acquire);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "failed within the retry deadline");
        assertTrue(ZkClient.isRetryable(e.code()), e.toString());
        assertTrue(e.getMessage().contains("/locks/quorum") && e.getMessage().contains("could not be reached"),
                e.getMessage());

        zk.startAll();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(holder::isConnected);
        lease.close(); // released after the outage: the node goes, the next acquire is granted
        try (Lease again = lock.acquire(Duration.ofSeconds(20)).orElseThrow()) {
            assertTrue(again.isValid());
        }
        assertFalse(lease.isValid());
        assertEquals("/locks/quorum", lock.path());
    }
}
