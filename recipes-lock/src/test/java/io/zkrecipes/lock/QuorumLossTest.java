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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.KeeperException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Quorum lost (two of three members down): acquiring fails within the retry deadline with a clear
 * exception, held leases turn invalid, nothing is left half-done, and the lock, the multi-lock, the
 * lock delay and revocation all work again once it returns.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class QuorumLossTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    static final RetryPolicy TWO_SECONDS = RetryPolicy.exponentialBackoff(Duration.ofMillis(50),
            Duration.ofMillis(200), Duration.ofSeconds(2));
    /** Leases that live through the outage with their session (20 s: longer than the outage). */
    static final LockOptions KEPT = LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE)
            .keepLeasesWhileSuspended(true);

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

    @Test
    void multiLock_heldLeaseTurnsInvalid_timedAcquireAnswersEmptyInTime_leavingNoNode() throws Exception {
        ZkClient holder = client();
        ZkClient other = client();
        MultiLease held = multi(holder, "/mq/a", "/mq/b").acquire(Duration.ofSeconds(10)).orElseThrow();
        AtomicInteger lost = new AtomicInteger();
        held.onLost(lost::incrementAndGet);

        loseQuorum();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !held.isValid() && lost.get() == 1);
        MultiLock blocked = multi(other, "/mq/b", "/mq/c");
        long start = System.nanoTime();
        assertTrue(blocked.acquire(Duration.ofSeconds(2)).isEmpty(), "all or none: none at its deadline");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3), "returned within its timeout");

        regainQuorum(holder, other);
        LockFixture.awaitNoNodes(holder, "/mq", other.sessionId()); // the half-taken attempt left nothing
        held.close();
        try (MultiLease again = blocked.acquire(Duration.ofSeconds(20)).orElseThrow()) {
            assertTrue(again.isValid());
            assertEquals(List.of("/mq/b", "/mq/c"), again.paths());
            assertTrue(again.fencingToken("/mq/b") > 0 && again.fencingToken("/mq/c") > 0);
        }
    }

    @Test
    void lockDelay_stillHoldsAfterTheQuorumReturns_whenTheHolderThenVanishes() throws Exception {
        Duration delay = Duration.ofSeconds(2);
        ZkClient holder = client();
        ZkClient waiter = client();
        Lease held = SequentialLock.create(holder, "/locks/qdelay", KEPT.lockDelay(delay)).acquire();
        LockFixture.Contender next = LockFixture.startWaiting(LockKind.SEQUENTIAL,
                SequentialLock.create(waiter, "/locks/qdelay", KEPT.lockDelay(delay)), waiter);

        loseQuorum();
        regainQuorum(holder, waiter);
        assertTrue(held.isValid(), "kept through the outage: same session");
        assertFalse(next.result.isDone(), "the waiter still waits");
        long vanished = System.nanoTime();
        holder.close(); // the session ends without a release: the delay applies
        Lease granted = next.lease();
        assertTrue(System.nanoTime() - vanished >= delay.toNanos(), "not granted before the delay");
        assertTrue(granted.isValid());
        granted.close();
    }

    @Test
    void revocation_failsClearlyWhileQuorumIsLost_andReachesTheHolderWhenItReturns() throws Exception {
        ZkClient holder = client();
        ZkClient asker = client();
        Lease held = SequentialLock.create(holder, "/locks/qrevoke", KEPT).acquire();
        AtomicInteger told = new AtomicInteger();
        held.onRevocationRequested(told::incrementAndGet);
        SequentialLock lock = SequentialLock.create(asker, "/locks/qrevoke");

        loseQuorum();
        long start = System.nanoTime();
        ZkRecipeException e = assertThrows(ZkRecipeException.class, lock::requestRevocation);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "failed within the retry deadline");
        assertTrue(e.getMessage().contains("/locks/qrevoke"), e.getMessage());
        assertEquals(0, told.get());

        regainQuorum(holder, asker);
        assertTrue(lock.requestRevocation());
        // the failed request's create may still have been applied (its outcome was unknown): then the
        // holder hears of it on reconnection, and of this one as a second request
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> told.get() >= 1);
        assertTrue(told.get() <= 2, "told once per request at most: " + told.get());
        assertTrue(held.isValid(), "nothing is forced");
        held.close(); // the holder heeds the request: the asker gets the lock
        try (Lease mine = lock.acquire(Duration.ofSeconds(20)).orElseThrow()) {
            assertTrue(mine.isValid() && mine.fencingToken() > held.fencingToken());
        }
    }

    private static ZkClient client() {
        return zk.newClient(b -> b.retryPolicy(TWO_SECONDS).sessionTimeout(Duration.ofSeconds(20)));
    }

    private static MultiLock multi(ZkClient client, String... paths) {
        return MultiLock.create(client, List.of(paths).stream().map(p -> SequentialLock.create(client, p)).toList());
    }

    /** Two of the three members down: no quorum. */
    private static void loseQuorum() {
        zk.killServer(0);
        zk.killServer(1);
    }

    private static void regainQuorum(ZkClient... clients) {
        zk.startAll();
        for (ZkClient c : clients) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(c::isConnected);
        }
    }
}
