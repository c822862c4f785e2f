package io.zkrecipes.core;

import static io.zkrecipes.core.ConnectionState.LOST;
import static io.zkrecipes.core.ConnectionState.SUSPENDED;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.ProtectedCreate;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import io.zkrecipes.testing.StateRecorder;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The session model every recipe stands on: liveness, the one wait, the retry loop, cleanup, the listener bus. */
@Timeout(60)
class SessionModelTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void suspensionLongerThanTheSessionTimeout_isLostOnTheClientBeforeTheConnectionReturns() {
        ZkClient client = zk.newClient();
        StateRecorder states = StateRecorder.attach(client);
        long first = client.sessionId();
        zk.cut(client);
        assertTrue(client.isLive(), "live while suspended for less than the session timeout");
        assertEquals(first, client.sessionId());
        long cutAt = System.nanoTime();
        states.awaitState(LOST, WAIT);
        long lostAfter = System.nanoTime() - cutAt;
        assertFalse(client.isLive());
        assertEquals(0, client.sessionId());
        assertTrue(lostAfter < ZkTestServers.SESSION_TIMEOUT.plusSeconds(1).toNanos(), "lost after " + lostAfter + " ns");
        zk.restore(client);
        await().atMost(WAIT).until(client::isLive);
        assertNotEquals(first, client.sessionId(), "a new session");
    }

    @Test
    void authenticationFailure_isLostAndANewSessionFollows() {
        ZkClient client = zk.newClient();
        StateRecorder states = StateRecorder.attach(client);
        long first = client.sessionId();
        client.unwrap().addAuthInfo("no-such-scheme", "x".getBytes(StandardCharsets.UTF_8));
        states.awaitState(LOST, WAIT);
        await().atMost(WAIT).until(() -> client.isLive() && client.sessionId() != first);
    }

    @Test
    void close_endsEveryWaitAndZeroesTheSessionId() throws Exception {
        ZkClient client = zk.newClient();
        Session session = Session.of(client);
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        CountDownLatch waiting = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try (Wait wait = session.newWait()) {
                waiting.countDown();
                while (true) {
                    wait.await(Deadline.none());
                }
            } catch (Throwable t) {
                ended.complete(t);
            }
        });
        waiter.start();
        assertTrue(waiting.await(5, TimeUnit.SECONDS));
        client.close();
        assertTrue(ended.get(1, TimeUnit.SECONDS) instanceof IllegalStateException);
        assertEquals(0, client.sessionId());
        assertFalse(client.isLive());
    }

    @Test
    void close_failsARequestStillAwaitingItsReplyAtOnce_alsoWhileCut() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(Duration.ofSeconds(10)));
        AsyncOps.join(Session.of(client).ops().create("/n", new byte[0], CreateMode.PERSISTENT));
        zk.cut(client);
        // sent while cut: the handle would give it up only at its next failed connection attempt
        CompletableFuture<AsyncOps.NodeData> read = Session.of(client).ops().getData("/n", null);

        long closing = System.nanoTime();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(client::close); // the handle's close blocks while cut
        Throwable failure = TimedCalls.failureWithin(read, closing, Duration.ofMillis(500),
                "a request in flight when its client closed");
        assertTrue(failure instanceof IllegalStateException, "fails as after close: " + failure);
        closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void retry_pausesBetweenAttemptsWhileConnected_andStopsAtTheCallersDeadline() {
        ZkClient client = zk.newClient();
        AtomicInteger attempts = new AtomicInteger();
        long start = System.nanoTime();
        assertThrows(KeeperException.OperationTimeoutException.class, () -> Session.of(client).retry(
                Deadline.after(Duration.ofSeconds(1)), () -> {
                    attempts.incrementAndGet();
                    throw new KeeperException.OperationTimeoutException();
                }));
        long took = System.nanoTime() - start;
        assertTrue(took < Duration.ofMillis(1500).toNanos(), "took " + took + " ns");
        assertTrue(attempts.get() <= 10, attempts.get() + " attempts in one second: no backoff");
    }

    @Test
    void timedRetry_outlivesAShorterPolicyDeadline() throws Exception {
        ZkClient client = zk.newClient(b -> b.retryPolicy(
                RetryPolicy.exponentialBackoff(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(200))));
        AtomicInteger attempts = new AtomicInteger();
        int result = Session.of(client).retry(Deadline.after(Duration.ofSeconds(5)), () -> {
            if (attempts.incrementAndGet() < 15) {
                throw new KeeperException.ConnectionLossException();
            }
            return 42;
        });
        assertEquals(42, result);
    }

    @Test
    void slowUserListener_delaysNoOtherListener() throws Exception {
        ZkClient client = zk.newClient();
        CountDownLatch release = new CountDownLatch(1);
        client.addListener((c, state) -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        StateRecorder states = StateRecorder.attach(client);
        CompletableFuture<ConnectionState> recipeSaw = new CompletableFuture<>();
        Session.of(client).addListener((c, state) -> {
            if (state == SUSPENDED) { // CONNECTED may still be on its way from the connect
                recipeSaw.complete(state);
            }
        });
        zk.cut(client);
        try {
            // both well within the 10 s the slow listener blocks its own lane
            states.awaitState(SUSPENDED, Duration.ofSeconds(2));
            assertEquals(SUSPENDED, recipeSaw.get(2, TimeUnit.SECONDS));
        } finally {
            release.countDown();
            zk.restore(client);
        }
    }

    @Test
    void cleanup_neverDeletesANodeAnotherSessionCreatedAtThePath() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        AsyncOps.join(Session.of(a).ops().create("/held", new byte[0], CreateMode.EPHEMERAL));
        AsyncOps.join(Session.of(a).ops().delete("/held", -1));
        AsyncOps.join(Session.of(b).ops().create("/held", new byte[0], CreateMode.EPHEMERAL));
        Session.of(a).deleteOwned("/held", a.sessionId()); // a replayed release of a's
        AsyncOps.join(Session.of(a).ops().create("/marker", new byte[0], CreateMode.EPHEMERAL));
        Session.of(a).deleteOwned("/marker", a.sessionId());
        await().atMost(WAIT).until(() -> AsyncOps.join(Session.of(b).ops().exists("/marker", null)) == null);
        assertEquals(b.sessionId(), AsyncOps.join(Session.of(b).ops().exists("/held", null)).getEphemeralOwner());
    }

    @Test
    void protectedCreate_givenUpAfterALostReply_leavesNoNode() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(Duration.ofSeconds(10)).retryPolicy(
                RetryPolicy.exponentialBackoff(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(1))));
        AsyncOps.join(Session.of(client).ops().ensureContainers("/line"));
        CompletableFuture<Void> away = zk.dropNextReply(client, ZooDefs.OpCode.create2)
                .thenRunAsync(() -> zk.cut(client));
        assertThrows(KeeperException.class, () -> ProtectedCreate.createAndList(Session.of(client), "/line", "m-",
                new byte[0], Deadline.after(Duration.ofSeconds(2))));
        away.get(10, TimeUnit.SECONDS);
        assertTrue(client.isLive(), "the outage is shorter than the session timeout");
        zk.restore(client);
        await().atMost(WAIT).until(() ->
                AsyncOps.join(Session.of(client).ops().getChildren("/line", null)).names().isEmpty());
    }

    @Test
    void protectedCreate_interruptedBetweenTheCreateAndTheListing_leavesNoNode() throws Exception {
        ZkClient client = zk.newClient();
        AsyncOps.join(Session.of(client).ops().ensureContainers("/line2"));
        Thread.currentThread().interrupt(); // lands while the create's and the listing's replies are awaited
        assertThrows(InterruptedException.class, () -> ProtectedCreate.createAndList(Session.of(client), "/line2",
                "m-", new byte[0], Deadline.after(Duration.ofSeconds(5))));
        await().atMost(WAIT).until(() ->
                AsyncOps.join(Session.of(client).ops().getChildren("/line2", null)).names().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void watchRemovalInFlightAtADisconnect_stillSuspendsAndThenLoses(boolean allWatchers) throws Exception {
        ZkClient client = zk.newClient();
        StateRecorder states = StateRecorder.attach(client);
        AsyncOps ops = Session.of(client).ops();
        Watcher watch = event -> { };
        AsyncOps.join(ops.create("/watched" + allWatchers, new byte[0], CreateMode.PERSISTENT));
        AsyncOps.join(ops.getData("/watched" + allWatchers, watch));
        // the reply is swallowed and the link closed: the removal fails with a connection loss;
        // the cut, made before the client can reconnect, waits for the SUSPENDED it must cause
        CompletableFuture<Void> away = zk.dropNextReply(client,
                allWatchers ? ZooDefs.OpCode.removeWatches : ZooDefs.OpCode.checkWatches)
                .thenRun(() -> zk.cut(client));
        CompletableFuture<Void> removal = allWatchers ? ops.removeAllWatches("/watched" + allWatchers, Watcher.WatcherType.Data)
                : ops.removeWatches("/watched" + allWatchers, watch, Watcher.WatcherType.Data);
        away.get(ZkTestServers.FAULT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        assertThrows(KeeperException.ConnectionLossException.class, () -> AsyncOps.join(removal));
        states.awaitStates(WAIT, SUSPENDED, LOST);
        assertFalse(client.isLive());
        zk.restore(client);
        await().atMost(WAIT).until(client::isLive);
    }
}
