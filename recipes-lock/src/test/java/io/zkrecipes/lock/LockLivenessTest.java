package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockFixture.awaitNoNodes;
import static io.zkrecipes.lock.LockFixture.ownedBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Liveness of every lock kind under faults: timed calls during an outage, a client closed under a
 * waiter, interrupts, a partition longer than the session, and a slow loss callback. Lost replies
 * are in {@link LockLostReplyTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockLivenessTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/liveness";
    static final LockOptions HANDLE_OWNED = LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE);
    /** Shorter than the sessions of the clients that use it, so that an outage can outlast it alone. */
    static final RetryPolicy ONE_SECOND_RETRIES = RetryPolicy.exponentialBackoff(Duration.ofMillis(50),
            Duration.ofMillis(200), Duration.ofSeconds(1));
    static final Duration LONG_SESSION = Duration.ofSeconds(8);
    /** How late a timed call may return after its timeout. */
    static final Duration SLACK = Duration.ofSeconds(1);

    /** Every lock kind, the read side included; the semaphore has one permit. All handle-owned. */
    enum Kind {
        SEQUENTIAL, EXCLUSIVE, WRITE, READ, SEMAPHORE;

        DistributedLock lock(ZkClient client, String path, LockOptions options) {
            return switch (this) {
                case SEQUENTIAL -> SequentialLock.create(client, path, options);
                case EXCLUSIVE -> ExclusiveLock.create(client, path, options);
                case WRITE -> ReadWriteLock.create(client, path, options).writeLock();
                case READ -> ReadWriteLock.create(client, path, options).readLock();
                case SEMAPHORE -> CountingSemaphore.create(client, path, 1, options);
            };
        }

        DistributedLock lock(ZkClient client, String path) {
            return lock(client, path, HANDLE_OWNED);
        }

        /** A lock that excludes this one: the write side for a reader, else the same kind. */
        DistributedLock excluder(ZkClient client, String path) {
            return (this == READ ? WRITE : this).lock(client, path);
        }

        /** The request a release of this kind sends: a delete, or a multi that marks and deletes. */
        int releaseOpCode() {
            return this == EXCLUSIVE || this == SEMAPHORE ? ZooDefs.OpCode.delete : ZooDefs.OpCode.multi;
        }

        /**
         * Whether {@code client}, which had sent {@code before} requests, set a watch to wait since:
         * on a line member or the exclusive node (a getData), or on the semaphore's leases (a third
         * listing: an acquire lists the queue and the leases once each).
         */
        boolean waitedOnAWatch(ZkClient client, Map<RequestStats.Type, Long> before) {
            RequestStats stats = client.requestStats();
            if (this == SEMAPHORE) {
                return stats.count(RequestStats.Type.GET_CHILDREN) > before.get(RequestStats.Type.GET_CHILDREN) + 2;
            }
            return stats.count(RequestStats.Type.GET_DATA) > before.get(RequestStats.Type.GET_DATA);
        }

        /** The contract kind whose requests show that a waiter of this kind is blocked. */
        LockKind waitsLike() {
            return this == SEMAPHORE ? LockKind.SEMAPHORE_3 : LockKind.SEQUENTIAL;
        }
    }

    /** An untimed {@code acquire()} running on its own thread. */
    static final class Blocked {
        final CompletableFuture<Lease> result = new CompletableFuture<>();
        final Thread thread;

        Blocked(DistributedLock lock) {
            thread = new Thread(() -> {
                try {
                    result.complete(lock.acquire());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            }, "blocked-" + lock.path());
            thread.setDaemon(true);
            thread.start();
        }
    }

    // ---- observation 1: a timed acquire is bounded by its own timeout, whatever the network does ----

    @ParameterizedTest
    @EnumSource(Kind.class)
    void timedAcquire_returnsWithinItsTimeout_whenTheConnectionIsCutBeforeItStarts(Kind kind) throws Exception {
        ZkClient holder = zk.newClient();
        ZkClient w = zk.newClient();
        Lease held = kind.excluder(holder, PATH).acquire();
        DistributedLock lock = kind.lock(w, PATH);
        zk.cut(w);
        try {
            long start = System.nanoTime();
            LockFixture.Contender waiter = new LockFixture.Contender(lock, Duration.ofSeconds(1));
            assertGivesUpBy(waiter, start, Duration.ofSeconds(1).plus(SLACK), kind + ": acquire(1 s) while cut");
        } finally {
            zk.restore(w);
        }
        awaitNoNodes(holder, PATH, w.sessionId());
        assertTrue(held.isValid());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void timedAcquire_returnsWithinItsTimeout_whenTheConnectionIsCutWhileItWaits(Kind kind) throws Exception {
        ZkClient holder = zk.newClient();
        kind.excluder(holder, PATH).acquire();
        // three waiters, each on its own client: each one's reconnect attempts are timed differently
        List<ZkClient> clients = List.of(zk.newClient(), zk.newClient(), zk.newClient());
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            ZkClient w = clients.get(i);
            long start = System.nanoTime();
            LockFixture.Contender waiter = waiting(kind, kind.lock(w, PATH), w, Duration.ofSeconds(1));
            String what = kind + ": waiter " + i + "'s acquire(1 s), cut while waiting";
            checks.add(() -> assertGivesUpBy(waiter, start, Duration.ofSeconds(1).plus(SLACK), what));
        }
        clients.forEach(zk::cut);
        try {
            assertAll(checks);
        } finally {
            clients.forEach(zk::restore);
        }
        for (ZkClient w : clients) {
            awaitNoNodes(holder, PATH, w.sessionId());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void longTimedAcquire_isNotCutShortByAShorterRetryDeadline(Kind kind) throws Exception {
        ZkClient holder = zk.newClient();
        ZkClient w = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
        Lease held = kind.excluder(holder, PATH).acquire();
        DistributedLock lock = kind.lock(w, PATH);
        zk.cut(w); // an outage of 2.5 s: longer than the 1 s retry deadline, well within the 10 s timeout
        LockFixture.Contender waiter;
        try {
            waiter = new LockFixture.Contender(lock, Duration.ofSeconds(10));
            try {
                Optional<Lease> early = waiter.result.get(2500, TimeUnit.MILLISECONDS);
                fail(kind + ": acquire(10 s) returned during the outage: " + early);
            } catch (ExecutionException e) {
                fail(kind + ": acquire(10 s) gave up after the 1 s retry deadline, 7.5 s before its own: "
                        + e.getCause());
            } catch (TimeoutException stillWaiting) {
                // as it should: its own deadline is 10 s away
            }
        } finally {
            zk.restore(w);
        }
        held.close();
        assertTrue(waiter.lease().isValid());
    }

    // ---- observation 2: closing the client ends every blocked acquire, leaving no node ----

    @ParameterizedTest
    @EnumSource(Kind.class)
    void blockedAcquire_returnsWithinASecondOfItsClientClosing_leavingNoNode(Kind kind) throws Exception {
        ZkClient holder = zk.newClient();
        ZkClient w = zk.newClient();
        kind.excluder(holder, PATH).acquire();
        if (kind == Kind.SEMAPHORE) {
            // the waiter under test queues behind a head waiter: it waits in the line, not on the leases
            ZkClient head = zk.newClient();
            LockFixture.startWaiting(kind.waitsLike(), kind.lock(head, PATH), head);
        }
        Blocked blocked = blocked(kind, kind.lock(w, PATH), w);
        long session = w.sessionId();
        w.close();
        try {
            blocked.result.get(1, TimeUnit.SECONDS);
            fail(kind + ": acquire() granted after its client was closed");
        } catch (ExecutionException e) {
            assertInstanceOf(IllegalStateException.class, e.getCause(), kind + ": failure after close");
        } catch (TimeoutException e) {
            fail(kind + ": acquire() still blocked 1 s after its client was closed");
        }
        awaitNoNodes(holder, PATH, session);
    }

    @Test
    void semaphoreHeadWaitingOnTheLeases_returnsWithinASecondOfItsClientClosing_leavingNoNode() throws Exception {
        ZkClient holder = zk.newClient();
        ZkClient w = zk.newClient();
        Kind.SEMAPHORE.lock(holder, PATH).acquire();
        // alone in the queue, the waiter is its head: it waits on the leases' child watch, not on a line member
        Blocked head = blocked(Kind.SEMAPHORE, Kind.SEMAPHORE.lock(w, PATH), w);
        assertEquals(0, w.requestStats().count(RequestStats.Type.GET_DATA), "the head watches no line member");
        long session = w.sessionId();

        long closing = System.nanoTime();
        w.close();
        Throwable failure = TimedCalls.failureWithin(head.result, closing, SLACK,
                "the semaphore's head waiter, after its client was closed");
        assertInstanceOf(IllegalStateException.class, failure);
        awaitNoNodes(holder, PATH, session);
    }

    // ---- observation 4: interrupts leave no lease or waiter node ----

    @ParameterizedTest
    @EnumSource(Kind.class)
    void randomlyTimedInterrupts_leaveNoLeaseOrWaiterNode(Kind kind) throws Exception {
        ZkClient observer = zk.newClient();
        List<ZkClient> clients = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger interrupted = new AtomicInteger();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 4; i++) {
            ZkClient client = zk.newClient();
            clients.add(client);
            // half of them take the excluding side, so that readers contend with writers too
            DistributedLock lock = i % 2 == 0 ? kind.lock(client, PATH) : kind.excluder(client, PATH);
            Thread worker = new Thread(() -> acquireUntil(stop, lock, interrupted, failures), "worker-" + i);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int i = 0; i < 200; i++) {
            TimeUnit.MICROSECONDS.sleep(random.nextInt(3000)); // pacing of the interrupts, not a wait
            workers.get(random.nextInt(workers.size())).interrupt();
        }
        stop.set(true);
        workers.forEach(Thread::interrupt); // out of any wait at once
        for (Thread worker : workers) {
            worker.join(WAIT.toMillis());
            assertFalse(worker.isAlive(), worker.getName() + " did not finish");
        }
        assertEquals(List.of(), failures, "acquires failed other than by the interrupt");
        assertTrue(interrupted.get() > 20, "interrupts reached the acquires: " + interrupted.get());

        await(kind + ": no node left by interrupted acquires (seed " + seed + ")").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertEquals(List.of(), nodesOf(observer, clients)));
    }

    @Test
    void interruptWhileTheSemaphoresTakeIsInFlight_leavesNoLeaseNode_andThePermitIsFree() throws Exception {
        ZkClient observer = zk.newClient();
        ZkClient w = zk.newClient(b -> b.sessionTimeout(LONG_SESSION));
        // one permit of two is held, so the leases' container exists and the take is the waiter's first multi
        CountingSemaphore.create(observer, PATH, 2, HANDLE_OWNED).acquire();
        CountingSemaphore semaphore = CountingSemaphore.create(w, PATH, 2, HANDLE_OWNED);
        CompletableFuture<Lease> result = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                result.complete(semaphore.acquire());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "semaphore-caller");
        caller.setDaemon(true);
        // the server applies the take, its reply is swallowed: the caller is interrupted while it waits
        // for that reply, and the connection stays cut so that the outcome stays unknown meanwhile
        CompletableFuture<Void> interrupted = zk.dropNextReply(w, ZooDefs.OpCode.multi).thenRun(() -> {
            caller.interrupt();
            zk.cut(w);
        });
        long session = w.sessionId();
        caller.start();
        interrupted.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        try {
            Throwable failure = TimedCalls.failureWithin(result, System.nanoTime(), WAIT, "interrupted acquire");
            assertInstanceOf(InterruptedException.class, failure);
            assertEquals(1, ownedBy(observer, PATH + "/leases", session).size(), "the take was applied on the server");
        } finally {
            zk.restore(w);
        }
        awaitNoNodes(observer, PATH, session);
        Optional<Lease> other = CountingSemaphore.create(zk.newClient(), PATH, 2, HANDLE_OWNED).tryAcquire();
        assertTrue(other.isPresent(), "the second permit is free again");
    }

    // ---- calls under a cut connection end within their bounds ----

    @Test
    void tryAcquireOfEveryKind_whileCut_failsWithZkRecipeExceptionByTheRetryDeadline() throws Exception {
        ZkClient holder = zk.newClient();
        Map<Kind, ZkClient> clients = new java.util.EnumMap<>(Kind.class);
        Map<Kind, CompletableFuture<Optional<Lease>>> tries = new java.util.EnumMap<>(Kind.class);
        Map<Kind, Long> starts = new java.util.EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            String path = PATH + "-" + kind;
            kind.excluder(holder, path).acquire();
            ZkClient w = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
            clients.put(kind, w);
            zk.cut(w);
            DistributedLock lock = kind.lock(w, path);
            starts.put(kind, System.nanoTime());
            tries.put(kind, CompletableFuture.supplyAsync(() -> {
                try {
                    return lock.tryAcquire();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> new Thread(runnable, "try-" + kind).start()));
        }
        try {
            for (Kind kind : Kind.values()) {
                // why more slack than a timed call: the last attempt ends when ZooKeeper fails its request
                Throwable failure = TimedCalls.failureWithin(tries.get(kind), starts.get(kind),
                        ONE_SECOND_RETRIES.deadline().plus(SLACK).plus(Duration.ofMillis(500)),
                        kind + ": tryAcquire() while cut");
                ZkRecipeException e = assertInstanceOf(ZkRecipeException.class, failure, kind + ": " + failure);
                assertTrue(e.code() == KeeperException.Code.CONNECTIONLOSS
                        || e.code() == KeeperException.Code.OPERATIONTIMEOUT, kind + ": " + e);
            }
        } finally {
            clients.values().forEach(zk::restore);
        }
        for (Kind kind : Kind.values()) {
            awaitNoNodes(holder, PATH + "-" + kind, clients.get(kind).sessionId());
        }
    }

    @Test
    void lockViewTimedTryLock_whileCut_isFalseWithinItsTimeout() throws Exception {
        ZkClient holder = zk.newClient();
        ZkClient w = zk.newClient();
        Kind.SEQUENTIAL.lock(holder, PATH).acquire();
        LockView view = Kind.SEQUENTIAL.lock(w, PATH).asLock();
        zk.cut(w);
        try {
            long start = System.nanoTime();
            CompletableFuture<Boolean> tried = CompletableFuture.supplyAsync(() -> {
                try {
                    return view.tryLock(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertFalse(TimedCalls.valueWithin(tried, start, Duration.ofSeconds(1).plus(SLACK),
                    "LockView.tryLock(1 s) while cut"));
        } finally {
            zk.restore(w);
        }
        awaitNoNodes(holder, PATH, w.sessionId());
    }

    @Test
    void guardedWrite_whileCut_throwsLeaseLostAtOnce_orForAKeptLeaseFailsWithinTheSessionTimeout() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient k = zk.newClient();
        Lease lease = SequentialLock.create(a, PATH, HANDLE_OWNED).acquire();
        Lease kept = SequentialLock.create(k, PATH + "-kept", HANDLE_OWNED.keepLeasesWhileSuspended(true)).acquire();
        AsyncOps.join(Session.of(a).ops().create("/data", bytes("before"), CreateMode.PERSISTENT));
        zk.cut(a);
        zk.cut(k);
        try {
            assertTrue(kept.isValid(), "kept while suspended");
            long start = System.nanoTime();
            CompletableFuture<?> write = guardedWrite(lease, "during");
            CompletableFuture<?> keptWrite = guardedWrite(kept, "during");
            assertInstanceOf(LeaseLostException.class, TimedCalls.failureWithin(write, start, SLACK,
                    "guardedWrite while cut"), "the lease is invalid while suspended");
            // a kept lease cannot stay valid past the session timeout, nor can a write on its behalf take longer
            Throwable failure = TimedCalls.failureWithin(keptWrite, start, ZkTestServers.SESSION_TIMEOUT,
                    "guardedWrite of a kept lease while cut");
            assertTrue(failure instanceof ZkRecipeException, "fails as unreachable: " + failure);
        } finally {
            zk.restore(a);
            zk.restore(k);
        }
        assertArrayEquals(bytes("before"), AsyncOps.join(Session.of(a).ops().getData("/data", null)).data(),
                "nothing was written");
    }

    // ---- observation 5: a kept lease is lost on the client once the session must have expired ----

    @ParameterizedTest
    @EnumSource(Kind.class)
    void keptLease_turnsInvalidWithinTheSessionTimeout_whileTheConnectionStaysCut(Kind kind) throws Exception {
        ZkClient a = zk.newClient();
        Lease lease = kind.lock(a, PATH, HANDLE_OWNED.keepLeasesWhileSuspended(true)).acquire();
        zk.cut(a);
        try {
            assertTrue(lease.isValid(), "kept while suspended");
            Duration bound = ZkTestServers.SESSION_TIMEOUT.plus(SLACK);
            await(kind + ": lease invalid within the session timeout of the cut").atMost(bound)
                    .pollInterval(Duration.ofMillis(50)).until(() -> !lease.isValid());
        } finally {
            zk.restore(a);
        }
    }

    // ---- observation 6: a slow loss callback delays no other lock on the client ----

    @Test
    void slowLossCallback_doesNotDelayAnotherLocksHandOffOnTheSameClient() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient holder = zk.newClient();
        Lease slow = SequentialLock.create(a, PATH + "-other", HANDLE_OWNED).acquire();
        CountDownLatch lossReported = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        slow.onLost(() -> {
            lossReported.countDown();
            try {
                unblock.await(5, TimeUnit.SECONDS); // a callback that blocks for 5 s
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Lease held = SequentialLock.create(holder, PATH, HANDLE_OWNED).acquire();
        LockFixture.Contender waiter = LockFixture.startWaiting(LockKind.SEQUENTIAL,
                SequentialLock.create(a, PATH, HANDLE_OWNED), a);
        long oldSession = a.sessionId();
        // the helper waits for listeners that may sit behind the slow callback: run it aside
        CompletableFuture<Void> expiry = CompletableFuture.runAsync(() -> zk.expireSession(a));
        try {
            await("a new session").atMost(WAIT).until(() -> a.isConnected() && a.sessionId() != oldSession);
            assertTrue(lossReported.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the slow lease was reported lost");
            held.close();
            try {
                assertTrue(waiter.result.get(1, TimeUnit.SECONDS).isPresent());
            } catch (TimeoutException e) {
                fail("the waiter on the same client was not granted within 1 s of the release:"
                        + " held up by another lease's loss callback");
            }
        } finally {
            unblock.countDown();
            expiry.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    // ---- helpers ----


    private static void acquireUntil(AtomicBoolean stop, DistributedLock lock, AtomicInteger interrupted,
            List<Throwable> failures) {
        while (!stop.get()) {
            try {
                lock.acquire(WAIT).ifPresent(lease -> {
                    Thread.yield();
                    lease.close();
                });
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
    }

    private static CompletableFuture<List<org.apache.zookeeper.OpResult>> guardedWrite(Lease lease, String value) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return lease.guardedWrite(List.of(Op.setData("/data", bytes(value), -1)));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Every node under {@link #PATH} that a session of {@code clients} owns. */
    private static List<String> nodesOf(ZkClient observer, List<ZkClient> clients) throws Exception {
        List<String> nodes = new ArrayList<>();
        for (ZkClient client : clients) {
            nodes.addAll(ownedBy(observer, PATH, client.sessionId()));
        }
        return nodes;
    }

    /**
     * Fails unless the contender has returned empty or thrown by {@code bound} after
     * {@code startNanos}; a lease would be wrong too, as the lock is held elsewhere or unreachable.
     */
    static void assertGivesUpBy(LockFixture.Contender contender, long startNanos, Duration bound, String what)
            throws InterruptedException {
        long left = startNanos + bound.toNanos() - System.nanoTime();
        try {
            Optional<Lease> lease = contender.result.get(Math.max(0, left), TimeUnit.NANOSECONDS);
            assertTrue(lease.isEmpty(), what + ": granted " + lease);
        } catch (ExecutionException e) {
            // throwing within the bound is allowed
        } catch (TimeoutException e) {
            fail(what + ": still blocked " + bound.toMillis() + " ms after it started");
        }
    }

    /** A timed acquire on its own thread, returned once it waits on a watch. */
    private static LockFixture.Contender waiting(Kind kind, DistributedLock lock, ZkClient client, Duration timeout) {
        Map<RequestStats.Type, Long> before = client.requestStats().snapshot();
        LockFixture.Contender c = new LockFixture.Contender(lock, timeout);
        await("waiting on " + lock.path()).atMost(WAIT).pollInterval(Duration.ofMillis(5))
                .until(() -> c.result.isDone() || kind.waitsLike().isWaiting(client, before));
        assertFalse(c.result.isDone(), "expected to wait, got " + c.result);
        return c;
    }

    /** An untimed acquire on its own thread, returned once it waits on a watch. */
    private static Blocked blocked(Kind kind, DistributedLock lock, ZkClient client) {
        Map<RequestStats.Type, Long> before = client.requestStats().snapshot();
        Blocked b = new Blocked(lock);
        await("waiting on " + lock.path()).atMost(WAIT).pollInterval(Duration.ofMillis(5))
                .until(() -> b.result.isDone() || kind.waitsLike().isWaiting(client, before));
        assertFalse(b.result.isDone(), "expected to wait, got " + b.result);
        return b;
    }
}
