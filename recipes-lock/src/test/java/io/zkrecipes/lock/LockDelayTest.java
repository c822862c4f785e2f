package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockFixture.awaitNoNodes;
import static io.zkrecipes.lock.LockFixture.startWaiting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lock delay of {@link SequentialLock}: no grant for the delay after a holder vanished, on the
 * contender's own clock, and none after a release or a short disconnection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockDelayTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/delay";
    /** For the tests that wait a delay out. */
    static final Duration DELAY = Duration.ofMillis(1500);
    /** For the tests where no delay may apply: a grant within {@link #QUICK} had none. */
    static final Duration LONG_DELAY = Duration.ofSeconds(8);
    static final Duration QUICK = Duration.ofSeconds(2);

    static SequentialLock lock(ZkClient client, Duration delay) {
        return SequentialLock.create(client, PATH,
                LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE).lockDelay(delay));
    }

    static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    @Test
    void holderSessionExpires_waiterIsNotGrantedBeforeTheDelay() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease held = lock(a, DELAY).acquire();
        LockFixture.Contender waiter = startWaiting(LockKind.SEQUENTIAL, lock(b, DELAY), b);
        CompletableFuture<Long> grantedAt = waiter.result.thenApply(lease -> System.nanoTime());
        long beforeExpiry = System.nanoTime(); // before the node goes, so before the waiter can see it go
        zk.expireSession(a);
        assertFalse(held.isValid());
        Lease lease = waiter.lease();
        long waited = TimeUnit.NANOSECONDS.toMillis(grantedAt.join() - beforeExpiry);
        assertTrue(waited >= DELAY.toMillis(), "granted " + waited + " ms after the holder's expiry");
        assertTrue(waited < DELAY.plus(QUICK).toMillis(), "granted once the delay was out, after " + waited + " ms");
        assertTrue(lease.isValid());
        assertTrue(lease.fencingToken() > held.fencingToken());
    }

    @Test
    void holderSessionExpires_newcomerIsNotGrantedBeforeTheDelay_evenWithATry() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        lock(a, DELAY).acquire();
        zk.expireSession(a); // nobody waits: the node is gone before anyone joins
        long start = System.nanoTime();
        Lease lease = lock(b, DELAY).tryAcquire().orElseThrow(() -> new AssertionError("the try got nothing"));
        long waited = millisSince(start);
        assertTrue(waited >= DELAY.toMillis(), "a try granted " + waited + " ms after joining a vanished holder's line");
        assertTrue(lease.isValid());
    }

    @Test
    void release_waiterIsGrantedWithoutDelay() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease held = lock(a, LONG_DELAY).acquire();
        LockFixture.Contender waiter = startWaiting(LockKind.SEQUENTIAL, lock(b, LONG_DELAY), b);
        long start = System.nanoTime();
        held.close();
        Lease lease = waiter.lease();
        assertTrue(millisSince(start) < QUICK.toMillis(), "granted " + millisSince(start) + " ms after a release");
        assertTrue(lease.isValid());
    }

    @Test
    void release_newcomerIsGrantedWithoutDelay_andSoIsTheFirstAcquire() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        long first = System.nanoTime();
        Lease held = lock(a, LONG_DELAY).acquire(); // a new lock node: nobody held it before
        assertTrue(millisSince(first) < QUICK.toMillis(), "first acquire took " + millisSince(first) + " ms");
        held.close();
        awaitNoNodes(b, PATH, a.sessionId()); // the release is applied
        long start = System.nanoTime();
        assertTrue(lock(b, LONG_DELAY).tryAcquire().isPresent());
        assertTrue(millisSince(start) < QUICK.toMillis(), "granted " + millisSince(start) + " ms after a release");
    }

    @Test
    void connectionCutShorterThanTheSession_holderKeepsTheLock_noDelayAfterItsRelease() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        LockOptions kept = LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE).lockDelay(LONG_DELAY)
                .keepLeasesWhileSuspended(true);
        Lease held = SequentialLock.create(a, PATH, kept).acquire();
        LockFixture.Contender waiter = startWaiting(LockKind.SEQUENTIAL, lock(b, LONG_DELAY), b);
        zk.cut(a);
        try {
            TimedCalls.assertStillRunning(waiter.result, "the waiter while the holder is cut off");
        } finally {
            zk.restore(a);
        }
        assertTrue(held.isValid(), "the holder's session lived through the cut");
        TimedCalls.assertStillRunning(waiter.result, "the waiter after the holder reconnected");
        long start = System.nanoTime();
        held.close();
        assertTrue(waiter.lease().isValid());
        assertTrue(millisSince(start) < QUICK.toMillis(), "granted " + millisSince(start) + " ms after the release");
    }

    @Test
    void serverRestartDuringTheDelay_grantStillWaitsTheDelayOut() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Duration delay = Duration.ofSeconds(5); // longer than the expiry and the restart together
        lock(a, delay).acquire();
        LockFixture.Contender waiter = startWaiting(LockKind.SEQUENTIAL, lock(b, delay), b);
        CompletableFuture<Long> grantedAt = waiter.result.thenApply(lease -> System.nanoTime());
        long beforeExpiry = System.nanoTime();
        zk.expireSession(a);
        zk.killServer(0);
        zk.restartServer(0);
        assertFalse(waiter.result.isDone(), "the restart came within the delay, "
                + millisSince(beforeExpiry) + " ms after the expiry");
        Lease lease = waiter.lease();
        long waited = TimeUnit.NANOSECONDS.toMillis(grantedAt.join() - beforeExpiry);
        assertTrue(waited >= delay.toMillis(), "granted " + waited + " ms after the holder's expiry");
        assertTrue(lease.isValid());
    }

    @Test
    void givingUpDuringTheDelay_leavesNoNode_andTheNextContenderWaitsAWholeDelay() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        ZkClient c = zk.newClient();
        lock(a, DELAY).acquire();
        zk.expireSession(a);
        long start = System.nanoTime();
        assertTrue(lock(b, DELAY).acquire(Duration.ofMillis(400)).isEmpty(), "a timeout within the delay");
        assertTrue(millisSince(start) < DELAY.toMillis(), "returned at its own timeout");
        awaitNoNodes(c, PATH, b.sessionId());

        LockFixture.Contender interrupted = new LockFixture.Contender(lock(b, DELAY), WAIT);
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> !LockFixture.ownedBy(c, PATH, b.sessionId()).isEmpty());
        interrupted.thread.interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> interrupted.result.get(5, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, e.getCause());
        awaitNoNodes(c, PATH, b.sessionId());

        start = System.nanoTime();
        assertTrue(lock(c, DELAY).acquire(WAIT).isPresent());
        assertTrue(millisSince(start) >= DELAY.toMillis(), "those who gave up left no record of a release");
    }

    @Test
    void uncontendedAcquire_withADelay_isOneRoundTripOfThreePipelinedRequests() throws Exception {
        ZkClient a = zk.newClient();
        SequentialLock lock = lock(a, LONG_DELAY);
        lock.acquire().close(); // the first acquire also makes the lock node persistent
        awaitNoNodes(a, PATH, a.sessionId());
        long before = a.requestStats().total();
        Lease lease = lock.acquire();
        assertEquals(before + 3, a.requestStats().total(), "the lock node's stat, the create and the listing");
        lease.close();
        assertEquals(before + 4, a.requestStats().total(), "a release is one multi");
        Stat node = AsyncOps.join(Session.of(a).ops().exists(PATH, null));
        assertEquals(0, node.getEphemeralOwner());
    }

    /** What the delay's newcomer check relies on: every create and delete of a child bumps cversion by one. */
    @Test
    void zooKeeperCountsEveryChildCreateAndDeleteInCversion_alsoAfterARestart() throws Exception {
        ZkClient a = zk.newClient();
        AsyncOps ops = Session.of(a).ops();
        String parent = "/cversion";
        AsyncOps.join(ops.create(parent, new byte[0], CreateMode.PERSISTENT));
        int start = cversion(a, parent);
        String first = AsyncOps.join(ops.create(parent + "/m-", new byte[0], CreateMode.EPHEMERAL_SEQUENTIAL)).path();
        AsyncOps.join(ops.delete(first, -1));
        String second = AsyncOps.join(ops.create(parent + "/m-", new byte[0], CreateMode.EPHEMERAL_SEQUENTIAL)).path();
        AsyncOps.join(ops.multi(List.of(Op.setData(second, new byte[0], 0), Op.delete(second, -1),
                Op.setData(parent, new byte[0], -1))));
        assertEquals(start + 4, cversion(a, parent));
        Stat released = AsyncOps.join(ops.exists(parent, null));
        assertEquals(released.getMzxid(), released.getPzxid(), "a release's multi sets both");
        zk.killServer(0);
        zk.restartServer(0);
        org.awaitility.Awaitility.await().atMost(WAIT).until(a::isConnected);
        assertEquals(start + 4, cversion(a, parent), "after replaying the log");
        AsyncOps.join(ops.create(parent + "/m-", new byte[0], CreateMode.EPHEMERAL_SEQUENTIAL));
        assertEquals(start + 5, cversion(a, parent));
    }

    @Test
    void badInput_failsAtOnce_namingTheArgumentAndTheRule() {
        ZkClient a = zk.newClient();
        long requests = a.requestStats().total();
        LockOptions options = LockOptions.defaults();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> options.lockDelay(Duration.ofMillis(-1)))
                .getMessage().startsWith("lockDelay must not be negative"));
        assertEquals("lockDelay", assertThrows(NullPointerException.class, () -> options.lockDelay(null)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> options.lockDelay(Duration.ofDays(2)))
                .getMessage().startsWith("lockDelay must not be longer than"));
        LockOptions delayed = options.lockDelay(DELAY);
        for (Runnable make : List.<Runnable>of(() -> ExclusiveLock.create(a, PATH, delayed),
                () -> ReadWriteLock.create(a, PATH, delayed), () -> CountingSemaphore.create(a, PATH, 2, delayed))) {
            assertTrue(assertThrows(IllegalArgumentException.class, make::run).getMessage()
                    .startsWith("lockDelay is supported by SequentialLock only"));
        }
        assertTrue(options.lockDelay(Duration.ZERO).toString().contains("lockDelay=PT0S"));
        assertEquals(requests, a.requestStats().total(), "nothing sent for bad input");
    }

    private static int cversion(ZkClient client, String path) throws Exception {
        return AsyncOps.join(Session.of(client).ops().exists(path, null)).getCversion();
    }
}
