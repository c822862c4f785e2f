package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Session;
import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockFixture.awaitNoNodes;
import static io.zkrecipes.lock.LockFixture.ownedBy;
import static io.zkrecipes.lock.LockFixture.startWaiting;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SequentialLockTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/seq";

    @Test
    void waitersAreGrantedInArrivalOrder() throws Exception {
        ZkClient holder = zk.newClient();
        Lease first = SequentialLock.create(holder, PATH).acquire();
        List<String> order = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ZkClient client = zk.newClient();
            String name = "waiter-" + i;
            LockFixture.Contender c = startWaiting(LockKind.SEQUENTIAL, handleOwned(client), client);
            done.add(c.result.thenAccept(lease -> {
                order.add(name);
                lease.orElseThrow().close();
            }));
        }
        first.close();
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertEquals(List.of("waiter-0", "waiter-1", "waiter-2", "waiter-3"), order);
    }

    @Test
    void reentrantHold_releasedByLastLease() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        SequentialLock lock = SequentialLock.create(a, PATH);
        Lease outer = lock.acquire();
        Lease inner = lock.acquire();
        assertEquals(outer.fencingToken(), inner.fencingToken());
        assertEquals(1, ownedBy(b, PATH, a.sessionId()).size());
        inner.close();
        assertTrue(outer.isValid());
        SequentialLock other = SequentialLock.create(b, PATH);
        assertTrue(other.tryAcquire().isEmpty());
        outer.close();
        assertTrue(other.acquire(WAIT).isPresent());
    }

    @Test
    void reentrantHold_isOneLease_andWhenLostItsFirstCloseGivesItBack() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        SequentialLock lock = SequentialLock.create(a, PATH);
        Lease outer = lock.acquire();
        Lease inner = lock.acquire();
        assertSame(outer, inner, "one hold, one lease");
        zk.cut(a); // lost on SUSPENDED, and lost for good
        zk.restore(a);
        assertFalse(outer.isValid());
        assertThrows(IllegalStateException.class, lock::acquire, "the lost lease must be closed first");
        inner.close();
        awaitNoNodes(b, PATH, a.sessionId());
        Lease again = lock.acquire(WAIT).orElseThrow();
        outer.close(); // already given back: nothing happens
        assertTrue(again.isValid());
        assertEquals(List.of(again.nodePath()), ownedBy(b, PATH, a.sessionId()));
        again.close();
    }

    @Test
    void releaseFromAnotherThread_isIllegalMonitorState_unlessHandleOwned() throws Exception {
        ZkClient a = zk.newClient();
        Lease lease = SequentialLock.create(a, PATH).acquire();
        CompletableFuture<Void> foreign = CompletableFuture.runAsync(lease::close, Background.EXECUTOR);
        Throwable error = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> foreign.get(5, TimeUnit.SECONDS)).getCause();
        assertSame(IllegalMonitorStateException.class, error.getClass());
        assertEquals("not the owner of lock " + PATH, error.getMessage());
        assertTrue(lease.isValid());
        lease.close();

        Lease handleLease = handleOwned(a).acquire();
        CompletableFuture.runAsync(handleLease::close, Background.EXECUTOR).get(5, TimeUnit.SECONDS);
        assertFalse(handleLease.isValid());
        awaitNoNodes(a, PATH, a.sessionId());
    }

    /**
     * A waiter's watch is one-shot: a waiter that is woken but not granted must send a getData to
     * watch again. So "no request and not granted" shows that a release woke nobody but the next.
     */
    @Test
    void handOff_costsNoRequest_andWakesOnlyTheNextWaiter() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        ZkClient c = zk.newClient();
        Lease held = SequentialLock.create(a, PATH).acquire();
        LockFixture.Contender waiterB = startWaiting(LockKind.SEQUENTIAL, handleOwned(b), b);
        LockFixture.Contender waiterC = startWaiting(LockKind.SEQUENTIAL, handleOwned(c), c);
        settle(b);
        settle(c);
        long requestsB = b.requestStats().total();
        long requestsC = c.requestStats().total();
        held.close();
        Lease leaseB = waiterB.lease();
        assertEquals(requestsB, b.requestStats().total(), "requests for B's hand-off");
        settle(a); // A's release is applied: any notification it caused is on its way
        await("C neither granted nor woken by A's release").during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> !waiterC.result.isDone() && c.requestStats().total() == requestsC);
        leaseB.close(); // one multi
        assertTrue(waiterC.lease().isValid());
        assertEquals(requestsC, c.requestStats().total(), "requests for C's hand-off");
        assertEquals(requestsB + 1, b.requestStats().total(), "a release is one request");
    }

    @Test
    void uncontendedAcquire_isOneRoundTrip() throws Exception {
        ZkClient a = zk.newClient();
        SequentialLock lock = SequentialLock.create(a, PATH);
        lock.acquire().close(); // parents created
        long before = a.requestStats().total();
        Lease lease = lock.acquire();
        assertEquals(before + 2, a.requestStats().total(), "create and list, pipelined");
        lease.close();
    }

    @Test
    void droppedCreateReply_leavesNoOrphan() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        SequentialLock lock = SequentialLock.create(a, PATH);
        lock.acquire().close();
        CompletableFuture<Integer> dropped = zk.dropNextReply(a, ZooDefs.OpCode.create2);
        Lease lease = lock.acquire(WAIT).orElseThrow();
        assertTrue(dropped.isDone(), "the create's reply was dropped");
        assertEquals(List.of(lease.nodePath()), ownedBy(b, PATH, a.sessionId()));
        lease.close();
        awaitNoNodes(b, PATH, a.sessionId());
        assertTrue(SequentialLock.create(b, PATH).tryAcquire().isPresent());
    }

    /**
     * Thousands of waiters under one parent still list fine. The limit is the client's packet size
     * (jute.maxbuffer, 1 MB by default): about 18,000 names of this length.
     */
    @Test
    void parentWithThousandsOfWaiters_stillLists() throws Exception {
        ZkClient filler = zk.newClient();
        AsyncOps.join(Session.of(filler).ops().ensureContainers(PATH));
        for (int batch = 0; batch < 12; batch++) { // 3,000 waiters, in pipelined batches
            List<CompletableFuture<AsyncOps.Created>> creates = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                creates.add(Session.of(filler).ops().create(PATH + "/lock-" + UUID.randomUUID() + "_", new byte[0],
                        CreateMode.EPHEMERAL_SEQUENTIAL));
            }
            CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        ZkClient a = zk.newClient();
        SequentialLock lock = SequentialLock.create(a, PATH);
        assertTrue(lock.tryAcquire().isEmpty());
        awaitNoNodes(filler, PATH, a.sessionId());
        filler.close();
        Lease lease = lock.acquire(WAIT).orElseThrow();
        assertTrue(lease.isValid());
    }

    private static SequentialLock handleOwned(ZkClient client) {
        return SequentialLock.create(client, PATH, LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE));
    }

    /** A round trip on the client: requests sent before it (the watch) have been applied. */
    private static void settle(ZkClient client) throws Exception {
        AsyncOps.join(Session.of(client).ops().exists("/", null));
    }
}
