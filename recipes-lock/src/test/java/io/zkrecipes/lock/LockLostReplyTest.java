package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockLivenessTest.HANDLE_OWNED;
import static io.zkrecipes.lock.LockLivenessTest.LONG_SESSION;
import static io.zkrecipes.lock.LockLivenessTest.ONE_SECOND_RETRIES;
import static io.zkrecipes.lock.LockLivenessTest.PATH;

import io.zkrecipes.lock.LockLivenessTest.Blocked;
import io.zkrecipes.lock.LockLivenessTest.Kind;
import static io.zkrecipes.lock.LockFixture.awaitNoNodes;
import static io.zkrecipes.lock.LockFixture.ownedBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lost replies for every lock kind: a release or a create whose reply never comes is resolved
 * exactly, never frees a later holder's hold, and leaves no node behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockLostReplyTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    // ---- observation 0: a release retried after a lost reply never frees the next holder ----

    @Test
    void exclusiveLock_releaseRetriedAfterLostReply_neverDeletesTheNextHoldersNode() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        ExclusiveLock lockA = ExclusiveLock.create(a, PATH, HANDLE_OWNED);
        Lease leaseA = lockA.acquire();
        LockFixture.Contender waiterB = LockFixture.startWaiting(LockKind.EXCLUSIVE,
                ExclusiveLock.create(b, PATH, HANDLE_OWNED), b);
        CompletableFuture<Integer> dropped = zk.dropNextReply(a, ZooDefs.OpCode.delete);
        leaseA.close(); // the delete is applied; A sees a connection loss and must retry
        dropped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        zk.cut(a); // A stays away until B holds, then comes back and retries its release
        Lease leaseB = waiterB.lease();
        zk.restore(a);

        await("B's node still owned by B after A came back").during(Duration.ofMillis(1500))
                .atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> ownedBy(b, PATH, b.sessionId()).contains(leaseB.nodePath()));
        assertTrue(lockA.acquire(Duration.ofMillis(500)).isEmpty(), "A acquired again while B holds");
        assertTrue(leaseB.isValid());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void releaseWhoseReplyIsLost_neverFreesTheNextHoldersHold(Kind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease leaseA = kind.lock(a, PATH).acquire();
        LockFixture.Contender waiterB = LockFixture.startWaiting(kind.waitsLike(), kind.excluder(b, PATH), b);
        CompletableFuture<Integer> dropped = zk.dropNextReply(a, kind.releaseOpCode());
        leaseA.close();
        dropped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        zk.cut(a);
        Lease leaseB = waiterB.lease();
        zk.restore(a);

        await(kind + ": B's hold intact after A's release was retried").during(Duration.ofMillis(1500))
                .atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> ownedBy(b, PATH, b.sessionId()).contains(leaseB.nodePath()));
        assertTrue(kind.lock(a, PATH).tryAcquire().isEmpty(), kind + ": A acquired while B holds");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void releaseWhoseReplyIsLost_thenAcquireOnTheSameClient_neverWedgesTheLock(Kind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        DistributedLock lockA = kind.lock(a, PATH);
        Lease first = lockA.acquire();
        CompletableFuture<Integer> dropped = zk.dropNextReply(a, kind.releaseOpCode());
        first.close();
        assertFalse(first.isValid(), kind + ": a released lease is invalid at once");
        // sent right behind the release whose reply is lost: it sees the connection loss and retries
        Lease second = lockA.acquire(WAIT)
                .orElseThrow(() -> new AssertionError(kind + ": wedged after a lost release reply"));
        dropped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(second.fencingToken() > first.fencingToken(), kind + ": the second hold is a new grant");
        assertEquals(List.of(second.nodePath()), ownedBy(b, PATH, a.sessionId()),
                kind + ": only the second hold's node");
        second.close();
        Lease leaseB = kind.excluder(b, PATH).acquire(WAIT)
                .orElseThrow(() -> new AssertionError(kind + ": another client cannot take the lock"));
        awaitNoNodes(b, PATH, a.sessionId());
        assertTrue(leaseB.isValid());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void acquireRightAfterARelease_onTheSameClient_isGrantedWithoutWaitingForTheOldHold(Kind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        DistributedLock lock = kind.lock(a, PATH);
        Lease first = lock.acquire();
        Map<RequestStats.Type, Long> before = a.requestStats().snapshot();
        first.close(); // sends the release and returns
        assertFalse(first.isValid(), kind + ": a released lease is invalid at once");
        Lease second = lock.acquire(WAIT).orElseThrow();
        // the session applied the release before the acquire's requests, so the acquire saw the lock free
        assertFalse(kind.waitedOnAWatch(a, before), kind + ": the acquire waited for its own released hold");
        assertTrue(second.isValid());
        assertTrue(second.fencingToken() > first.fencingToken());
        assertEquals(List.of(second.nodePath()), ownedBy(b, PATH, a.sessionId()));
        second.close();
    }

    // ---- observation 3: a create abandoned after a lost reply leaves no orphan ----

    @ParameterizedTest
    @EnumSource(Kind.class)
    void createWhoseReplyIsLost_thenAnOutagePastTheRetryDeadline_leavesNoNode_andTheNextAcquireSucceeds(Kind kind)
            throws Exception {
        ZkClient w = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
        ZkClient observer = zk.newClient();
        DistributedLock lock = kind.lock(w, PATH);
        lock.acquire().close(); // parents exist: the next create is one request
        abandonAfterLostReply(w, lock, ZooDefs.OpCode.create2, kind + " join");

        await(kind + ": no node of the abandoned acquire").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50)).untilAsserted(
                        () -> assertEquals(List.of(), ownedBy(observer, PATH, w.sessionId())));
        assertTrue(lock.acquire(Duration.ofSeconds(3)).isPresent(),
                kind + ": the same client's next acquire waits behind its own abandoned node");
    }

    @Test
    void semaphoreTakeWhoseReplyIsLost_thenAnOutagePastTheRetryDeadline_leaksNoPermit() throws Exception {
        ZkClient w = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
        ZkClient observer = zk.newClient();
        DistributedLock semaphore = Kind.SEMAPHORE.lock(w, PATH);
        semaphore.acquire().close();
        // the multi that creates the lease and deletes the queue node is applied; its reply is lost
        abandonAfterLostReply(w, semaphore, ZooDefs.OpCode.multi, "semaphore take");

        await("no lease or queue node of the abandoned acquire").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50)).untilAsserted(
                        () -> assertEquals(List.of(), ownedBy(observer, PATH, w.sessionId())));
        assertTrue(Kind.SEMAPHORE.lock(observer, PATH).acquire(Duration.ofSeconds(3)).isPresent(),
                "the only permit stays taken by an acquire that gave up");
    }

    // ---- helpers ----

    /**
     * Starts {@code lock.acquire()} on {@code client}, drops the reply to its request of type
     * {@code opCode}, cuts the client at once and keeps it cut until the acquire has given up and
     * for as long again as the retry deadline (so that any retry started then runs out too), and
     * restores it. The client's session outlives the outage.
     */
    private static void abandonAfterLostReply(ZkClient client, DistributedLock lock, int opCode, String what)
            throws Exception {
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, opCode);
        Blocked acquire = new Blocked(lock);
        dropped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        zk.cut(client);
        long session = client.sessionId();
        try {
            try {
                Lease lease = acquire.result.get(10, TimeUnit.SECONDS);
                fail(what + ": acquire() was granted during the outage: " + lease);
            } catch (ExecutionException gaveUp) {
                // the retry deadline passed while the connection was cut
            } catch (TimeoutException e) {
                fail(what + ": acquire() did not give up within 10 s of an outage (1 s retry deadline)");
            }
            TimeUnit.MILLISECONDS.sleep(ONE_SECOND_RETRIES.deadline().toMillis()); // the rest of the outage
        } finally {
            zk.restore(client);
        }
        assertEquals(session, client.sessionId(), "the session outlived the outage");
    }
}
