package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockFixture.startWaiting;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Multi-lock, lock delay and revocation on a 3-node ensemble when the member a client talks to dies. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LockFeaturesEnsembleTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    static final LockOptions KEPT = LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE)
            .keepLeasesWhileSuspended(true);

    @Test
    void multiAcquire_completesWhenTheMemberItTalksToDies_holdingEachLockOnce() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        List<String> paths = List.of("/multi/a", "/multi/b", "/multi/c");
        Lease last = SequentialLock.create(b, "/multi/c", KEPT).acquire();
        MultiLock lock = MultiLock.create(a, paths.stream().map(p -> SequentialLock.create(a, p)).toList());
        CompletableFuture<MultiLease> result = CompletableFuture.supplyAsync(() -> {
            try {
                return lock.acquire();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, Background.EXECUTOR);
        await("a and b taken, waiting on c").atMost(WAIT)
                .until(() -> LockFixture.ownedBy(b, "/multi", a.sessionId()).size() == 3);
        zk.killServer(zk.serverOf(a)); // a and b were lost on SUSPENDED: the acquire starts over
        await("reconnected").atMost(WAIT).until(a::isConnected);
        last.close();
        MultiLease lease = result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(lease.isValid());
        assertEquals(3, LockFixture.ownedBy(b, "/multi", a.sessionId()).size(), "one node per lock, none left over");
    }

    @Test
    void lockDelay_doesNotStartWhenTheHoldersMemberDies_theHolderKeepsTheLock() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Duration delay = Duration.ofSeconds(8);
        Lease held = SequentialLock.create(a, "/locks/delay", KEPT.lockDelay(delay)).acquire();
        LockFixture.Contender waiter = startWaiting(LockKind.SEQUENTIAL,
                SequentialLock.create(b, "/locks/delay", KEPT.lockDelay(delay)), b);
        zk.killServer(zk.serverOf(a));
        // b may have been on the killed member too: a waiter still reconnecting is granted late
        await("both reconnected").atMost(WAIT).until(() -> a.isConnected() && b.isConnected());
        assertTrue(held.isValid(), "same session");
        TimedCalls.assertStillRunning(waiter.result, "the waiter");
        long start = System.nanoTime();
        held.close();
        assertTrue(waiter.lease().isValid());
        assertTrue(System.nanoTime() - start < delay.toNanos() / 2, "a release: no delay");
    }

    @Test
    void revocationRequest_reachesAHolderWhoseMemberDied() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease held = SequentialLock.create(a, "/locks/revoke", KEPT).acquire();
        AtomicInteger told = new AtomicInteger();
        held.onRevocationRequested(told::incrementAndGet);
        await("watching").atMost(WAIT)
                .until(() -> a.requestStats().count(io.zkrecipes.core.RequestStats.Type.EXISTS) > 0);
        zk.killServer(zk.serverOf(a));
        await("the holder reconnected").atMost(WAIT).until(a::isConnected);
        assertTrue(SequentialLock.create(b, "/locks/revoke").requestRevocation());
        await("told").atMost(WAIT).until(() -> told.get() == 1);
        await("once").during(Duration.ofMillis(500)).atMost(WAIT).until(() -> told.get() == 1);
        assertTrue(held.isValid());
    }
}
