package io.zkrecipes.barrier;

import static io.zkrecipes.barrier.Members.enter;
import static io.zkrecipes.barrier.Members.leave;
import static io.zkrecipes.barrier.Members.membersOf;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Both barriers on a 3-node ensemble: a member's server dies (and comes back), and the quorum is
 * lost for longer than the session timeout and then restored.
 */
@Timeout(90)
class EnsembleTest {
    private static final Duration LONG = Duration.ofSeconds(40);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    /** What a timed call may take past its timeout (as in the liveness tests). */
    private static final Duration SLACK = Duration.ofSeconds(1);
    /** By then a client cut off from every server has taken its session as lost. */
    private static final Duration SESSION_GONE = ZkTestServers.SESSION_TIMEOUT.plusSeconds(1);
    private static final String PATH = "/jobs/sync";
    private static final String GATE = "/gate";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void doubleBarrier_membersWaitThroughTheLossOfTheirServer() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 4, 4)) {
            List<Future<Boolean>> entering = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                entering.add(m.start(i, enter(LONG)));
            }
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).size() == 3);
            zk.killServer(zk.serverOf(m.clients.get(0)));
            assertTrue(entering.stream().noneMatch(Future::isDone), "entered with 3 of 4");
            entering.add(m.start(3, enter(LONG)));
            for (Future<Boolean> f : entering) {
                assertTrue(f.get(60, TimeUnit.SECONDS));
            }
            List<Future<Boolean>> leaving = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                leaving.add(m.start(i, leave(LONG)));
            }
            for (Future<Boolean> f : leaving) {
                assertTrue(f.get(60, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void distributedBarrier_waiterSurvivesTheLossOfItsServer() throws Exception {
        ZkClient waiterClient = zk.newClient();
        DistributedBarrier waiter = DistributedBarrier.create(waiterClient, GATE);
        DistributedBarrier coordinator = DistributedBarrier.create(zk.newClient(), GATE);
        coordinator.set();
        Future<Boolean> waiting = threads.submit(() -> waiter.await(LONG));
        zk.killServer(zk.serverOf(waiterClient));
        assertFalse(waiting.isDone());
        coordinator.remove();
        assertTrue(waiting.get(60, TimeUnit.SECONDS));
    }

    // ---- a member's own server killed and restarted ----

    @Test
    @Timeout(30)
    void doubleBarrier_serverOfAMemberRestartedWhileEnteringAndLeaving_sameNodeThroughoutAndNoneLeft()
            throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 3, 3)) {
            ZkClient first = m.clients.get(0);
            long session = first.sessionId();
            Future<Boolean> a = m.start(0, enter(LONG));
            Future<Boolean> b = m.start(1, enter(LONG));
            await().atMost(WAIT).until(() -> membersOf(reader, PATH, 1).size() == 2);
            long czxid = memberNode(reader, 1, "m00").getCzxid();
            restartServerOf(first);
            assertFalse(a.isDone() || b.isDone(), "entered with 2 of 3");

            assertTrue(m.start(2, enter(LONG)).get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(a.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(b.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(List.of("m00", "m01", "m02"), membersOf(reader, PATH, 1));
            assertEquals(session, first.sessionId(), "the member's session outlived the restart");
            assertEquals(czxid, memberNode(reader, 1, "m00").getCzxid(), "m00 joined twice");

            Future<Boolean> lowest = m.start(0, leave(LONG)); // m00 waits for the others to go
            restartServerOf(first);
            List<Future<Boolean>> others = List.of(m.start(1, leave(LONG)), m.start(2, leave(LONG)));
            for (Future<Boolean> f : others) {
                assertTrue(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            }
            assertTrue(lowest.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(List.of(), membersOf(reader, PATH, 1), "member nodes left in round 1");
            assertEquals(List.of(), membersOf(reader, PATH, 2), "member nodes in round 2");
        }
    }

    @Test
    @Timeout(30)
    void distributedBarrier_serverOfTheWaiterRestarted_waiterReleasedByTheRemovalAfterIt() throws Exception {
        ZkClient waiterClient = zk.newClient();
        DistributedBarrier waiter = DistributedBarrier.create(waiterClient, GATE);
        DistributedBarrier coordinator = DistributedBarrier.create(zk.newClient(), GATE);
        coordinator.set();
        Future<Boolean> waiting = threads.submit(() -> waiter.await(LONG));
        assertStillRunning(waiting, "await() on a barrier that is up");

        restartServerOf(waiterClient);
        assertFalse(waiting.isDone(), "released while the barrier is up");
        assertFalse(waiter.await(TIMEOUT), "the barrier is still up after the restart");

        coordinator.remove();
        assertTrue(waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertTrue(waiter.await(TIMEOUT));
    }

    // ---- the quorum lost for longer than the session timeout, then restored ----

    @Test
    @Timeout(30)
    void doubleBarrier_quorumLost_timedCallsReturnInTime_andAfterRecoveryTheRoundCompletesLeavingNoNode()
            throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 3, 3)) {
            Future<Boolean> a = m.start(0, enter(LONG));
            Future<Boolean> b = m.start(1, enter(LONG));
            await().atMost(WAIT).until(() -> membersOf(reader, PATH, 1).size() == 2);

            zk.stopAll();
            assertFalse(valueWithin(TIMEOUT.plus(SLACK), "enter(1 s) without quorum", () -> m.get(2).enter(TIMEOUT)));
            awaitSessionTakenAsLost(m.clients.get(0));
            assertFalse(valueWithin(TIMEOUT.plus(SLACK), "enter(1 s) without quorum or session",
                    () -> m.get(2).enter(TIMEOUT)));
            assertFalse(a.isDone() || b.isDone(), "entered with 2 of 3");
            zk.startAll();

            assertTrue(m.start(2, enter(LONG)).get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(a.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(b.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(1, m.get(0).round());

            zk.stopAll();
            // m00, the lowest, waits for the others, who cannot leave without a quorum
            assertFalse(valueWithin(TIMEOUT.plus(SLACK), "leave(1 s) without quorum", () -> m.get(0).leave(TIMEOUT)));
            zk.startAll();

            List<Future<Boolean>> others = List.of(m.start(1, leave(LONG)), m.start(2, leave(LONG)));
            for (Future<Boolean> f : others) {
                assertTrue(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            }
            await("every member node gone from the rounds").atMost(WAIT).until(() ->
                    membersOf(reader, PATH, 1).isEmpty() && membersOf(reader, PATH, 2).isEmpty());
        }
    }

    @Test
    @Timeout(30)
    void distributedBarrier_quorumLost_timedAwaitReturnsInTime_andAfterRecoveryTheRemovalReleasesTheWaiter()
            throws Exception {
        ZkClient waiterClient = zk.newClient();
        ZkClient reader = zk.newClient();
        DistributedBarrier waiter = DistributedBarrier.create(waiterClient, GATE);
        DistributedBarrier coordinator = DistributedBarrier.create(zk.newClient(), GATE);
        coordinator.set();
        Future<Boolean> waiting = threads.submit(() -> waiter.await(LONG));
        assertStillRunning(waiting, "await() on a barrier that is up");

        zk.stopAll();
        assertFalse(valueWithin(TIMEOUT.plus(SLACK), "await(1 s) without quorum", () -> waiter.await(TIMEOUT)));
        awaitSessionTakenAsLost(waiterClient);
        assertFalse(valueWithin(TIMEOUT.plus(SLACK), "await(1 s) without quorum or session",
                () -> waiter.await(TIMEOUT)));
        assertFalse(waiting.isDone(), "released while the barrier is up");
        zk.startAll();

        assertFalse(waiter.await(TIMEOUT), "the barrier is still up after the recovery");
        coordinator.remove();
        assertTrue(waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertNull(reader.unwrap().exists(GATE, false), "the barrier's node is left");
        coordinator.set(); // and it works again
        assertFalse(waiter.await(Duration.ZERO));
        coordinator.remove();
        assertTrue(waiter.await(TIMEOUT));
    }

    // ---- helpers ----

    /** Kills the server {@code client} is connected to and restarts it. */
    private static void restartServerOf(ZkClient client) {
        int server = zk.serverOf(client);
        assertTrue(server >= 0, "not connected");
        zk.killServer(server);
        zk.restartServer(server);
    }

    /** Waits until {@code client}, cut off from every server, no longer believes in its session. */
    private static void awaitSessionTakenAsLost(ZkClient client) {
        await("the client to take its session as lost").atMost(SESSION_GONE).until(() -> !client.isLive());
    }

    private static Stat memberNode(ZkClient reader, long round, String member) throws Exception {
        Stat stat = reader.unwrap().exists(Rounds.memberPath(Rounds.roundPath(PATH, round), member), false);
        assertTrue(stat != null, member + " has no node in round " + round);
        return stat;
    }

    /** Runs {@code call} on its own thread; fails unless it returns within {@code bound}. */
    private <T> T valueWithin(Duration bound, String what, Callable<T> call) throws Exception {
        Future<T> result = threads.submit(call);
        try {
            return result.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return fail(what + " has not returned within " + bound.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new AssertionError(what + " threw instead of returning", e.getCause());
        }
    }

    private static void assertStillRunning(Future<?> call, String what) {
        // not a wait for a state: the call must not end on its own in this time
        await(what + " to keep waiting").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1))
                .until(() -> !call.isDone());
    }
}
