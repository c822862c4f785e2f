package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockFixture.startWaiting;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Cooperative revocation: a request reaches the holders of its moment, once, on their lane; nothing is forced. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RevocationTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/revoke";
    /** How long a test watches for a callback that must not come. */
    static final Duration QUIET = Duration.ofMillis(500);

    /** Counts a lease's revocation callbacks and the threads they ran on. */
    static final class Requests {
        final AtomicInteger count = new AtomicInteger();
        final List<String> threads = new CopyOnWriteArrayList<>();

        Requests(Lease lease) {
            lease.onRevocationRequested(() -> {
                threads.add(Thread.currentThread().getName());
                count.incrementAndGet();
            });
        }

        void awaitCount(int expected) {
            await("revocation callbacks").atMost(WAIT).until(() -> count.get() >= expected);
            await("no more callbacks").during(QUIET).atMost(QUIET.plus(WAIT)).until(() -> count.get() == expected);
        }
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void holderIsToldOncePerRequest_onItsLane(LockKind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease held = kind.create(a, PATH).acquire();
        Requests requests = new Requests(held);
        DistributedLock other = kind.create(b, PATH);
        assertTrue(other.requestRevocation(), "a holder was found");
        requests.awaitCount(1);
        assertTrue(other.requestRevocation());
        requests.awaitCount(2);
        assertTrue(requests.threads.stream().allMatch(name -> name.startsWith("zk-recipes-worker")),
                "on the lock's lane, off ZooKeeper's threads: " + requests.threads);
        assertTrue(held.isValid(), "nothing is forced");
    }

    @Test
    void revocationCallbacks_runOnTheLocksLane_inOrderWithItsLossCallbacks() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease held = LockKind.SEQUENTIAL.create(a, PATH).acquire();
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        held.onRevocationRequested(() -> {
            inCallback.countDown();
            await().atMost(WAIT).until(() -> unblock.getCount() == 0); // a slow callback
        });
        AtomicInteger lost = new AtomicInteger();
        held.onLost(lost::incrementAndGet);
        assertTrue(LockKind.SEQUENTIAL.create(b, PATH).requestRevocation());
        assertTrue(inCallback.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        zk.cut(a); // the lease is lost: its loss callback waits behind the revocation callback
        try {
            await("the loss callback waits its turn on the lane").during(QUIET).atMost(WAIT).until(() -> lost.get() == 0);
            unblock.countDown();
            await("then it runs").atMost(WAIT).until(() -> lost.get() == 1);
        } finally {
            unblock.countDown();
            zk.restore(a);
        }
    }

    @Test
    void holderThatIgnoresTheRequest_keepsTheLock_untilItReleases() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease held = LockKind.SEQUENTIAL.create(a, PATH).acquire();
        Requests requests = new Requests(held);
        DistributedLock lockB = LockKind.SEQUENTIAL.create(b, PATH);
        LockFixture.Contender waiter = startWaiting(LockKind.SEQUENTIAL, lockB, b);
        assertTrue(lockB.requestRevocation());
        requests.awaitCount(1);
        TimedCalls.assertStillRunning(waiter.result, "the asking waiter");
        assertTrue(held.isValid());
        held.close();
        assertTrue(waiter.lease().isValid());
    }

    @Test
    void holderThatReleasesInTheCallback_handsTheLockToTheWaiter() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease held = LockKind.SEQUENTIAL.create(a, PATH).acquire(); // handle-owned: any thread may close it
        held.onRevocationRequested(held::close);
        DistributedLock lockB = LockKind.SEQUENTIAL.create(b, PATH);
        LockFixture.Contender waiter = startWaiting(LockKind.SEQUENTIAL, lockB, b);
        assertTrue(lockB.requestRevocation());
        Lease lease = waiter.lease();
        assertTrue(lease.isValid());
        assertFalse(held.isValid());
    }

    @Test
    void requestWithNoHolder_writesNothing_andReachesNoLaterHolder() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        DistributedLock lockA = LockKind.SEQUENTIAL.create(a, PATH);
        assertFalse(lockA.requestRevocation(), "nobody holds a lock never taken");
        lockA.acquire().close();
        LockFixture.awaitNoNodes(b, PATH, a.sessionId());
        assertFalse(lockA.requestRevocation(), "nobody holds a released lock");
        assertNull(AsyncOps.join(Session.of(b).ops().exists(PATH + ".revoke", null)), "no request node");
        Lease later = LockKind.SEQUENTIAL.create(b, PATH).acquire();
        new Requests(later).awaitCount(0);
        assertTrue(later.isValid());
    }

    @Test
    void requestForAnEarlierHolder_doesNotReachTheNextHolder() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease first = LockKind.SEQUENTIAL.create(a, PATH).acquire();
        Requests toFirst = new Requests(first);
        DistributedLock lockB = LockKind.SEQUENTIAL.create(b, PATH);
        LockFixture.Contender waiter = startWaiting(LockKind.SEQUENTIAL, lockB, b);
        assertTrue(lockB.requestRevocation());
        toFirst.awaitCount(1);
        first.close();
        Lease next = waiter.lease();
        Requests toNext = new Requests(next); // the request node still stands, for the earlier holder
        toNext.awaitCount(0);
        assertTrue(LockKind.SEQUENTIAL.create(a, PATH).requestRevocation());
        toNext.awaitCount(1);
        toFirst.awaitCount(1);
    }

    @Test
    void readersHoldingTogether_areAllTold_butNotTheWriterBehindThem() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        ZkClient c = zk.newClient();
        LockOptions handle = LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE);
        Lease readerA = ReadWriteLock.create(a, PATH, handle).readLock().acquire();
        Lease readerB = ReadWriteLock.create(b, PATH, handle).readLock().acquire();
        Requests toA = new Requests(readerA);
        Requests toB = new Requests(readerB);
        DistributedLock writer = ReadWriteLock.create(c, PATH, handle).writeLock();
        LockFixture.Contender waiter = startWaiting(LockKind.WRITE, writer, c);
        assertTrue(writer.requestRevocation());
        toA.awaitCount(1);
        toB.awaitCount(1);
        readerA.close();
        readerB.close();
        Requests toWriter = new Requests(waiter.lease());
        toWriter.awaitCount(0);
    }

    @Test
    void serverRestart_holderStillHearsRequests() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        LockOptions kept = LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE).keepLeasesWhileSuspended(true);
        Lease held = SequentialLock.create(a, PATH, kept).acquire();
        Requests requests = new Requests(held);
        await("the holder watches for requests").atMost(WAIT)
                .until(() -> a.requestStats().count(io.zkrecipes.core.RequestStats.Type.EXISTS) > 0);
        zk.killServer(0);
        zk.restartServer(0);
        await("both reconnected").atMost(WAIT).until(() -> a.isConnected() && b.isConnected());
        assertTrue(held.isValid(), "kept through the restart");
        assertTrue(SequentialLock.create(b, PATH).requestRevocation());
        requests.awaitCount(1);
    }

    @Test
    void uninterestedHolder_paysNothing_andAListeningOnePaysOneRead() throws Exception {
        ZkClient a = zk.newClient();
        SequentialLock lock = SequentialLock.create(a, PATH);
        lock.acquire().close();
        long before = a.requestStats().total();
        Lease lease = lock.acquire();
        assertEquals(before + 2, a.requestStats().total(), "create and list, as without revocation");
        lease.onRevocationRequested(() -> { });
        await("the watch is set").atMost(WAIT).until(() -> a.requestStats().total() == before + 4);
        assertEquals(before + 4, a.requestStats().total(), "a getData (no request node yet) and an exists");
        lease.close();
    }

    @Test
    void useAfterClose_isIllegalState() throws Exception {
        ZkClient a = zk.newClient();
        DistributedLock lock = LockKind.SEQUENTIAL.create(a, PATH);
        lock.close();
        assertThrows(IllegalStateException.class, lock::requestRevocation);
        DistributedLock other = LockKind.EXCLUSIVE.create(a, PATH);
        Lease lease = other.acquire();
        assertThrows(NullPointerException.class, () -> lease.onRevocationRequested(null));
        a.close();
        assertThrows(IllegalStateException.class, other::requestRevocation);
        lease.onRevocationRequested(() -> { }); // a lost lease: nothing to listen for, nothing sent
    }
}
