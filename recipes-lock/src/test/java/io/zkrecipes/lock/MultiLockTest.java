package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockFixture.awaitNoNodes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.HoldHistory;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several locks all or none, in path order: no deadlock, nothing left behind, one loss report. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MultiLockTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final List<String> ABC = List.of("/multi/a", "/multi/b", "/multi/c");
    /** Given in another order than {@link #ABC}, sharing b and c with it. */
    static final List<String> CBD = List.of("/multi/c", "/multi/b", "/multi/d");

    static MultiLock multi(ZkClient client, List<String> paths) {
        return multi(client, paths, LockOptions.defaults());
    }

    static MultiLock multi(ZkClient client, List<String> paths, LockOptions options) {
        return MultiLock.create(client, paths.stream().map(p -> SequentialLock.create(client, p, options)).toList());
    }

    @Test
    void overlappingMultiLocks_neverDeadlock_andExcludePerPath() throws Exception {
        Map<String, HoldHistory> histories = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        int rounds = 12;
        for (int w = 0; w < 4; w++) {
            ZkClient client = zk.newClient();
            MultiLock lock = multi(client, w % 2 == 0 ? ABC : CBD);
            String name = "worker-" + w;
            workers.add(CompletableFuture.runAsync(() -> work(lock, name, rounds, histories), Background.EXECUTOR));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(40, TimeUnit.SECONDS);
        for (String path : List.of("/multi/a", "/multi/b", "/multi/c", "/multi/d")) {
            HoldHistory history = histories.get(path);
            history.assertNoOverlap();
            history.assertTokensIncrease();
        }
        assertEquals(4L * rounds, histories.get("/multi/b").grants(), "every worker took b each round");
    }

    private static void work(MultiLock lock, String name, int rounds, Map<String, HoldHistory> histories) {
        try {
            for (int i = 0; i < rounds; i++) {
                try (MultiLease lease = lock.acquire(WAIT).orElseThrow(() -> new AssertionError(name + " waited for ever"))) {
                    for (String path : lease.paths()) {
                        histories.computeIfAbsent(path, p -> new HoldHistory()).acquired(name, lease.fencingToken(path));
                    }
                    Thread.yield();
                    lease.paths().forEach(path -> histories.get(path).releasing(name));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void timedAcquire_isAllOrNone_leavingNoNodeUnderAnyPath() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease middle = SequentialLock.create(b, "/multi/b").acquire();
        MultiLock lock = multi(a, ABC);
        long start = System.nanoTime();
        assertTrue(lock.acquire(Duration.ofMillis(500)).isEmpty(), "b is held by another client");
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1500), "within its timeout");
        assertTrue(lock.tryAcquire().isEmpty());
        for (String path : ABC) {
            awaitNoNodes(b, path, a.sessionId());
        }
        assertTrue(SequentialLock.create(b, "/multi/a").tryAcquire().isPresent(), "a was given back");
        middle.close();
    }

    @Test
    void release_freesEveryLock_andTokensAreTheMembers() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        MultiLock lock = multi(a, CBD);
        assertEquals(List.of("/multi/b", "/multi/c", "/multi/d"), lock.paths(), "taken in path order");
        MultiLease lease = lock.acquire();
        assertTrue(lease.isValid());
        assertTrue(lease.fencingToken("/multi/b") < lease.fencingToken("/multi/c"), "b was taken before c");
        assertTrue(lease.fencingToken("/multi/c") < lease.fencingToken("/multi/d"));
        assertThrows(IllegalArgumentException.class, () -> lease.fencingToken("/multi/a"));
        MultiLock other = multi(b, List.of("/multi/d", "/multi/b", "/multi/c"));
        assertTrue(other.tryAcquire().isEmpty());
        lease.close();
        lease.close();
        assertFalse(lease.isValid());
        MultiLease next = other.acquire(WAIT).orElseThrow();
        assertTrue(next.fencingToken("/multi/d") > lease.fencingToken("/multi/d"));
    }

    @Test
    void sessionExpiry_losesEveryMember_reportedOnceOnTheMultiLease() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        MultiLease lease = multi(a, ABC).acquire();
        AtomicInteger lost = new AtomicInteger();
        List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        lease.onLost(() -> {
            threads.add(Thread.currentThread().getName());
            lost.incrementAndGet();
        });
        zk.expireSession(a);
        await("loss reported").atMost(WAIT).until(() -> lost.get() >= 1);
        await("reported once").during(Duration.ofMillis(500)).atMost(WAIT).until(() -> lost.get() == 1);
        assertFalse(lease.isValid());
        assertTrue(threads.get(0).startsWith("zk-recipes-worker"), threads.toString());
        lease.onLost(lost::incrementAndGet); // already lost: runs at once, on the lane
        await().atMost(WAIT).until(() -> lost.get() == 2);
        lease.close();
        assertTrue(multi(b, ABC).acquire(WAIT).isPresent());
    }

    @Test
    void oneMemberLostOnSuspended_losesTheMultiLease_whileTheKeptMembersStay() throws Exception {
        ZkClient a = zk.newClient();
        LockOptions kept = LockOptions.defaults().keepLeasesWhileSuspended(true);
        MultiLock lock = MultiLock.create(a, List.of(SequentialLock.create(a, "/multi/a", kept),
                SequentialLock.create(a, "/multi/b"), SequentialLock.create(a, "/multi/c", kept)));
        MultiLease lease = lock.acquire();
        AtomicInteger lost = new AtomicInteger();
        lease.onLost(lost::incrementAndGet);
        zk.cut(a);
        zk.restore(a);
        await("loss reported").atMost(WAIT).until(() -> lost.get() == 1);
        assertFalse(lease.isValid(), "b was lost on SUSPENDED");
        lease.close();
        awaitNoNodes(a, "/multi", a.sessionId());
    }

    @Test
    void interruptMidWay_releasesTheLocksTaken_leavingNoNode() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease last = SequentialLock.create(b, "/multi/c").acquire();
        MultiLock lock = multi(a, ABC);
        CompletableFuture<Optional<MultiLease>> result = new CompletableFuture<>();
        Thread acquirer = new Thread(() -> {
            try {
                result.complete(Optional.of(lock.acquire()));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "multi-acquirer");
        acquirer.setDaemon(true);
        acquirer.start();
        await("a and b taken, waiting on c").atMost(WAIT)
                .until(() -> LockFixture.ownedBy(b, "/multi", a.sessionId()).size() == 3);
        acquirer.interrupt();
        Throwable failure = TimedCalls.failureWithin(result, System.nanoTime(), Duration.ofSeconds(1), "interrupted acquire");
        assertInstanceOf(InterruptedException.class, failure);
        awaitNoNodes(b, "/multi", a.sessionId());
        last.close();
    }

    @Test
    void clientClosedUnderABlockedAcquire_returnsWithinASecond_leavingNoNode() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease last = SequentialLock.create(b, "/multi/c").acquire();
        MultiLock lock = multi(a, ABC);
        CompletableFuture<MultiLease> result = CompletableFuture.supplyAsync(() -> {
            try {
                return lock.acquire();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, Background.EXECUTOR);
        await("waiting on c").atMost(WAIT).until(() -> LockFixture.ownedBy(b, "/multi", a.sessionId()).size() == 3);
        long session = a.sessionId();
        long start = System.nanoTime();
        a.close();
        Throwable failure = TimedCalls.failureWithin(result, start, Duration.ofSeconds(1), "acquire under a closed client");
        assertInstanceOf(IllegalStateException.class, failure.getCause() == null ? failure : failure.getCause());
        awaitNoNodes(b, "/multi", session);
        last.close();
    }

    @Test
    void threadOwnedMembers_makeTheLeaseThreadOwned_andReenter() throws Exception {
        ZkClient a = zk.newClient();
        SequentialLock first = SequentialLock.create(a, "/multi/a");
        MultiLock lock = MultiLock.create(a, List.of(SequentialLock.create(a, "/multi/b"), first));
        Lease outer = first.acquire();
        MultiLease lease = lock.acquire();
        assertEquals(outer.fencingToken(), lease.fencingToken("/multi/a"), "a lock held already is entered again");
        CompletableFuture<Void> foreign = CompletableFuture.runAsync(lease::close, Background.EXECUTOR);
        Throwable error = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> foreign.get(5, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(IllegalMonitorStateException.class, error);
        assertTrue(lease.isValid(), "nothing released by the failed close");
        lease.close();
        assertTrue(outer.isValid(), "the outer hold of a stays");
        outer.close();
        awaitNoNodes(a, "/multi", a.sessionId());
    }

    @Test
    void badInput_andUseAfterClose() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        long requests = a.requestStats().total();
        SequentialLock la = SequentialLock.create(a, "/multi/a");
        assertEquals("client", assertThrows(NullPointerException.class, () -> MultiLock.create(null, List.of(la)))
                .getMessage());
        assertEquals("locks", assertThrows(NullPointerException.class, () -> MultiLock.create(a, null)).getMessage());
        assertEquals("locks must not be empty",
                assertThrows(IllegalArgumentException.class, () -> MultiLock.create(a, List.of())).getMessage());
        List<DistributedLock> withNull = new ArrayList<>();
        withNull.add(la);
        withNull.add(null);
        assertEquals("locks must not contain null",
                assertThrows(IllegalArgumentException.class, () -> MultiLock.create(a, withNull)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MultiLock.create(a, List.of(la, ExclusiveLock.create(a, "/multi/a")))).getMessage()
                .contains("/multi/a is there twice"));
        ReadWriteLock rw = ReadWriteLock.create(a, "/multi/rw");
        assertThrows(IllegalArgumentException.class, () -> MultiLock.create(a, List.of(rw.readLock(), rw.writeLock())));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MultiLock.create(a, List.of(la, SequentialLock.create(b, "/multi/b")))).getMessage()
                .contains("made on the given client"));
        MultiLock lock = MultiLock.create(a, List.of(la));
        assertThrows(IllegalArgumentException.class, () -> lock.acquire(Duration.ofMillis(-1)));
        assertEquals(requests, a.requestStats().total(), "nothing sent for bad input");

        MultiLease held = lock.acquire();
        lock.close();
        lock.close();
        assertFalse(held.isValid(), "close releases what it handed out");
        awaitNoNodes(b, "/multi", a.sessionId());
        assertThrows(IllegalStateException.class, lock::acquire);
        assertThrows(IllegalStateException.class, lock::tryAcquire);
        assertThrows(IllegalStateException.class, () -> lock.acquire(WAIT));
        assertTrue(la.tryAcquire().isPresent(), "the member lock stays open");
        a.close();
        assertThrows(IllegalStateException.class, () -> MultiLock.create(a, List.of(la)));
    }
}
