package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockFixture.awaitNoNodes;
import static io.zkrecipes.lock.LockFixture.ownedBy;
import static io.zkrecipes.lock.LockFixture.startWaiting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The contract every lock kind keeps, on a single server ({@link LockEnsembleContractTest}: on an ensemble). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockContractTest {
    @RegisterExtension
    static final ZkTestServers single = ZkTestServers.single();

    /** The servers this run of the contract uses. */
    final ZkTestServers zk = servers();

    ZkTestServers servers() {
        return single;
    }

    static final String PATH = "/locks/contract";

    static List<Lease> holdAll(LockKind kind, DistributedLock lock) throws InterruptedException {
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < kind.limit(); i++) {
            leases.add(lock.acquire(WAIT).orElseThrow());
        }
        return leases;
    }

    static Throwable failure(LockFixture.Contender c) throws InterruptedException {
        try {
            c.result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + c.result.join());
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("contender did not finish", e);
        }
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void mutualExclusion_tenSessions(LockKind kind) throws Exception {
        ContentionRun.run(zk::newClient, kind, PATH, 10, 8).check(kind);
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void timeoutAndTry_leaveNoNode_thenNextGetsIt(LockKind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        List<Lease> held = holdAll(kind, kind.create(a, PATH));
        DistributedLock lockB = kind.create(b, PATH);
        assertTrue(lockB.acquire(Duration.ofMillis(300)).isEmpty());
        assertTrue(lockB.tryAcquire().isEmpty());
        assertTrue(lockB.acquire(Duration.ZERO).isEmpty());
        awaitNoNodes(a, PATH, b.sessionId());
        held.get(0).close();
        Lease lease = lockB.acquire(WAIT).orElseThrow();
        assertTrue(lease.isValid());
        assertTrue(lease.fencingToken() > held.get(0).fencingToken());
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void interruptedWaiter_leavesNoNode_nextWaiterGetsIt(LockKind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        ZkClient c = zk.newClient();
        List<Lease> held = holdAll(kind, kind.create(a, PATH));
        LockFixture.Contender waiterB = startWaiting(kind, kind.create(b, PATH), b);
        LockFixture.Contender waiterC = startWaiting(kind, kind.create(c, PATH), c);
        waiterB.thread.interrupt();
        assertInstanceOf(InterruptedException.class, failure(waiterB));
        awaitNoNodes(a, PATH, b.sessionId());
        held.get(0).close();
        assertTrue(waiterC.lease().isValid());
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void interruptRightAfterCreateSent_leavesNoNode(LockKind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        List<Lease> held = holdAll(kind, kind.create(a, PATH));
        DistributedLock lockB = kind.create(b, PATH);
        for (int i = 0; i < 3; i++) {
            long creates = b.requestStats().count(RequestStats.Type.CREATE);
            LockFixture.Contender waiter = new LockFixture.Contender(lockB, WAIT);
            while (b.requestStats().count(RequestStats.Type.CREATE) == creates && !waiter.result.isDone()) {
                Thread.onSpinWait();
            }
            waiter.thread.interrupt();
            assertInstanceOf(InterruptedException.class, failure(waiter));
            awaitNoNodes(a, PATH, b.sessionId());
        }
        held.forEach(Lease::close);
        assertTrue(lockB.acquire(WAIT).isPresent());
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void holderSessionExpires_lossReportedBeforeAnotherIsGranted(LockKind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        List<Lease> held = holdAll(kind, kind.create(a, PATH));
        AtomicLong clock = new AtomicLong();
        AtomicLong lostAt = new AtomicLong();
        held.get(0).onLost(() -> lostAt.set(clock.incrementAndGet()));
        LockFixture.Contender waiter = startWaiting(kind, kind.create(b, PATH), b);
        zk.expireSession(a);
        Lease lease = waiter.lease();
        long grantedAt = clock.incrementAndGet();
        assertTrue(lostAt.get() > 0 && lostAt.get() < grantedAt, "loss reported before the next grant");
        assertFalse(held.get(0).isValid());
        held.get(0).close(); // nothing to delete: the node went with the session
        assertTrue(lease.isValid());
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void connectionCutWhileWaiting_waitResumes_noDuplicateNode(LockKind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        List<Lease> held = holdAll(kind, kind.create(a, PATH));
        LockFixture.Contender waiter = startWaiting(kind, kind.create(b, PATH), b);
        long session = b.sessionId();
        zk.cut(b);
        zk.restore(b);
        assertFalse(waiter.result.isDone());
        held.get(0).close();
        Lease lease = waiter.lease();
        assertTrue(lease.isValid());
        assertEquals(session, b.sessionId());
        assertEquals(List.of(lease.nodePath()), ownedBy(a, PATH, session));
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void releaseWhileCut_nodeDeletedOnReconnect(LockKind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        List<Lease> held = holdAll(kind, kind.create(a, PATH));
        zk.cut(a);
        held.forEach(Lease::close);
        zk.restore(a);
        awaitNoNodes(b, PATH, a.sessionId());
        List<Lease> again = holdAll(kind, kind.create(b, PATH));
        assertTrue(again.stream().allMatch(Lease::isValid));
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void waiterSessionExpires_rejoinsOnNewSession(LockKind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        List<Lease> held = holdAll(kind, kind.create(a, PATH));
        LockFixture.Contender waiter = startWaiting(kind, kind.create(b, PATH), b);
        long oldSession = b.sessionId();
        zk.expireSession(b);
        held.get(0).close();
        Lease lease = waiter.lease();
        assertTrue(lease.isValid());
        assertTrue(ownedBy(a, PATH, oldSession).isEmpty());
        assertEquals(List.of(lease.nodePath()), ownedBy(a, PATH, b.sessionId()));
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void queuedWaitersClosed_nextLiveWaiterAcquiresAtOnce(LockKind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient dead1 = zk.newClient();
        ZkClient dead2 = zk.newClient();
        ZkClient live = zk.newClient();
        List<Lease> held = holdAll(kind, kind.create(a, PATH));
        startWaiting(kind, kind.create(dead1, PATH), dead1);
        startWaiting(kind, kind.create(dead2, PATH), dead2);
        LockFixture.Contender waiter = startWaiting(kind, kind.create(live, PATH), live);
        dead1.close();
        dead2.close();
        held.get(0).close();
        // well under the 3 s session timeout: nobody waits for a dead session to expire
        assertTrue(waiter.result.get(1500, TimeUnit.MILLISECONDS).isPresent());
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void leaseClose_isIdempotent_andLockUnusableAfterClose(LockKind kind) throws Exception {
        ZkClient a = zk.newClient();
        DistributedLock lock = kind.create(a, PATH);
        Lease lease = lock.acquire();
        lease.close();
        lease.close();
        assertFalse(lease.isValid());
        Lease second = lock.acquire();
        lock.close();
        lock.close();
        assertFalse(second.isValid());
        awaitNoNodes(a, PATH, a.sessionId());
        assertThrows(IllegalStateException.class, lock::acquire);
        assertThrows(IllegalStateException.class, lock::tryAcquire);
        assertThrows(IllegalStateException.class, () -> lock.acquire(Duration.ofSeconds(1)));
    }
}
