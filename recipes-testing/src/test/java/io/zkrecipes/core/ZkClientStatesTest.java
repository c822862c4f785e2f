package io.zkrecipes.core;

import static io.zkrecipes.core.ConnectionState.LOST;
import static io.zkrecipes.core.ConnectionState.RECONNECTED;
import static io.zkrecipes.core.ConnectionState.SUSPENDED;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.StateRecorder;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class ZkClientStatesTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void cut_suspendsThenReconnectsOnTheSameSession() {
        ZkClient client = zk.newClient();
        StateRecorder states = StateRecorder.attach(client);
        long session = client.sessionId();
        zk.cut(client);
        zk.restore(client);
        states.awaitStates(WAIT, SUSPENDED, RECONNECTED);
        assertEquals(session, client.sessionId());
    }

    @Test
    void expiry_isLostThenANewSessionWithoutTheOldEphemerals() throws Exception {
        ZkClient client = zk.newClient();
        client.retry(() -> AsyncOps.join(Session.of(client).ops().create("/eph", new byte[0], CreateMode.EPHEMERAL)));
        StateRecorder states = StateRecorder.attach(client);
        long session = client.sessionId();
        zk.expireSession(client);
        states.awaitStates(WAIT, LOST, RECONNECTED);
        assertNotEquals(session, client.sessionId());
        assertNull(client.retry(() -> AsyncOps.join(Session.of(client).ops().exists("/eph", null))));
    }

    @Test
    void serverRestart_suspendsThenReconnects() throws Exception {
        ZkClient client = zk.newClient();
        StateRecorder states = StateRecorder.attach(client);
        zk.stopAll();
        states.awaitState(SUSPENDED, WAIT);
        zk.startAll();
        states.awaitState(RECONNECTED, WAIT); // after LOST a new session is RECONNECTED too
        client.retry(() -> AsyncOps.join(Session.of(client).ops().create("/after-restart", new byte[0], CreateMode.PERSISTENT)));
    }

    @Test
    void listeners_getStatesInOrderOffTheZooKeeperThread_evenAfterOneThrows() {
        ZkClient client = zk.newClient();
        List<String> seen = new CopyOnWriteArrayList<>();
        StateRecorder states = StateRecorder.attach(client);
        client.addListener((c, s) -> {
            throw new IllegalStateException("a listener that fails");
        });
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            client.addListener((c, s) -> seen.add(s + "@" + Thread.currentThread().getName()), pool);
            zk.cut(client);
            zk.restore(client);
            zk.expireSession(client);
            states.awaitStates(WAIT, SUSPENDED, RECONNECTED, LOST, RECONNECTED);
            // CONNECTED may reach one listener and not the other, added a moment later: compare what follows it
            await().atMost(WAIT).untilAsserted(() -> assertEquals(
                    states.states().stream().filter(s -> s != ConnectionState.CONNECTED).toList(),
                    seen.stream().map(s -> ConnectionState.valueOf(s.substring(0, s.indexOf('@'))))
                            .filter(s -> s != ConnectionState.CONNECTED).toList()));
            assertTrue(seen.stream().noneMatch(s -> s.contains("EventThread")), seen.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aListenerOnADirectExecutor_runsOffTheClientsThreads_andDelaysNoOtherListener() {
        ZkClient client = zk.newClient();
        CountDownLatch release = new CountDownLatch(1);
        List<String> threads = new CopyOnWriteArrayList<>();
        client.addListener((c, s) -> {
            threads.add(Thread.currentThread().getName());
            awaitUninterruptibly(release); // a listener that blocks
        }, Runnable::run);
        StateRecorder states = StateRecorder.attach(client);
        try {
            zk.cut(client);
            zk.restore(client);
            states.awaitStates(WAIT, SUSPENDED, RECONNECTED);
            await().atMost(WAIT).until(() -> !threads.isEmpty());
        } finally {
            release.countDown();
        }
        assertTrue(threads.stream().allMatch(t -> t.equals("zk-recipes-worker")),
                "a direct executor is reached from a lane of the client's pool: " + threads);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void namespace_isCreatedOnFirstUse() throws Exception {
        String ns = zk.namespace() + "-fresh/nested";
        ZkClient client = zk.newClient(b -> b.namespace(ns));
        client.retry(() -> AsyncOps.join(Session.of(client).ops().createWithParents("/a/b", new byte[] {1}, CreateMode.PERSISTENT)));
        ZkClient outer = zk.newClient(b -> b.namespace(zk.namespace() + "-fresh"));
        AsyncOps.NodeData data = outer.retry(() -> AsyncOps.join(Session.of(outer).ops().getData("/nested/a/b", null)));
        assertEquals(1, data.data()[0]);
    }

    @Test
    void closed_deliversClosedLast() {
        ZkClient client = zk.newClient();
        StateRecorder states = StateRecorder.attach(client);
        client.close();
        states.awaitState(ConnectionState.CLOSED, WAIT);
        assertEquals(ConnectionState.CLOSED, states.states().get(states.states().size() - 1));
        assertEquals(ConnectionState.CLOSED, client.state());
    }
}
