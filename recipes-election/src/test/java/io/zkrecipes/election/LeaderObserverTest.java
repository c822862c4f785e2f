package io.zkrecipes.election;

import io.zkrecipes.core.internal.Session;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class LeaderObserverTest {
    private static final String PATH = "/election";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void observer_seesEachLeaderInOrder_andNoLeaderWhenAllLeave() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(zk.newClient(), PATH));
        observer.addListener(leader -> seen.add(leader.map(Participant::id).orElse("none")));
        observer.start();
        assertTrue(observer.awaitInitialized(Group.WAIT));
        assertEquals(Optional.empty(), observer.leader());

        Group g = Group.start(zk, PATH, 3);
        await().atMost(Group.WAIT).until(() -> observer.participants().size() == 3);
        assertEquals(List.of("p0", "p1", "p2"), observer.participants().stream().map(Participant::id).toList());
        assertEquals(g.awaitOneLeader().fencingToken().orElseThrow(), observer.leader().orElseThrow().fencingToken());
        for (LeaderElection e : g.elections) {
            e.close();
        }

        await().atMost(Group.WAIT).until(() -> seen.size() == 5);
        assertEquals(List.of("none", "p0", "p1", "p2", "none"), seen);
        assertEquals(Optional.empty(), observer.leader());
    }

    @Test
    void observer_seesEveryLeader_whenChangesAreSentBackToBack() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(zk.newClient(), PATH));
        observer.addListener(leader -> seen.add(leader.map(Participant::id).orElse("none")));
        observer.start();
        assertTrue(observer.awaitInitialized(Group.WAIT));
        ZkClient admin = zk.newClient();
        AsyncOps.join(Session.of(admin).ops().ensureContainers(PATH));
        List<String> expected = new ArrayList<>(List.of("none"));
        for (int round = 0; round < 3; round++) {
            List<String> nodes = joinBackToBack(admin, round, 4);
            await().atMost(Group.WAIT).until(() -> observer.participants().size() == 4);
            // pipelined: every deletion is sent before the first reply, so they land within one round trip
            List<CompletableFuture<Void>> deletes = new ArrayList<>();
            for (String node : nodes) {
                deletes.add(Session.of(admin).ops().delete(node, -1));
            }
            for (CompletableFuture<Void> d : deletes) {
                AsyncOps.join(d);
            }
            for (int i = 0; i < 4; i++) {
                expected.add("r" + round + "-" + i);
            }
            expected.add("none");
            await().atMost(Group.WAIT).until(() -> seen.size() >= expected.size());
            assertEquals(expected, seen);
        }
        assertTrue(observer.participants().isEmpty());
    }

    @Test
    void observer_reportsNoLeaderWhenThePathIsDeleted_andFollowsItsRecreation() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        ZkClient admin = zk.newClient();
        AsyncOps.join(Session.of(admin).ops().ensureContainers(PATH));
        List<String> first = joinBackToBack(admin, 0, 1);
        LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(zk.newClient(), PATH));
        observer.addListener(leader -> seen.add(leader.map(Participant::id).orElse("none")));
        observer.start();
        assertTrue(observer.awaitInitialized(Group.WAIT));
        assertEquals("r0-0", observer.leader().orElseThrow().id());

        AsyncOps.join(Session.of(admin).ops().delete(first.get(0), -1));
        AsyncOps.join(Session.of(admin).ops().delete(PATH, -1));
        AsyncOps.join(Session.of(admin).ops().ensureContainers(PATH));
        joinBackToBack(admin, 1, 2);
        await().atMost(Group.WAIT).until(() -> observer.participants().size() == 2);
        await().atMost(Group.WAIT).until(() -> seen.equals(List.of("r0-0", "none", "r1-0"))); // on the listener's lane
    }

    @Test
    void observers_onOneClient_closeIndependently() throws Exception {
        ZkClient client = zk.newClient();
        LeaderObserver first = LeaderObserver.create(client, PATH);
        LeaderObserver second = zk.closeAfterTest(LeaderObserver.create(client, PATH));
        List<String> seen = new CopyOnWriteArrayList<>();
        second.addListener(leader -> seen.add(leader.map(Participant::id).orElse("none")));
        first.start();
        assertTrue(first.awaitInitialized(Group.WAIT));
        second.start();
        assertTrue(second.awaitInitialized(Group.WAIT));
        first.close();

        Group g = Group.start(zk, PATH, 1);
        await().atMost(Group.WAIT).until(() -> seen.equals(List.of("none", "p0")));
        assertTrue(first.participants().isEmpty());
        g.elections.get(0).close();
        await().atMost(Group.WAIT).until(() -> seen.equals(List.of("none", "p0", "none")));
    }

    /** Creates {@code n} participant nodes r{round}-0.. with pipelined requests; returns their paths in order. */
    private static List<String> joinBackToBack(ZkClient admin, int round, int n) throws Exception {
        List<CompletableFuture<AsyncOps.Created>> creates = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] content = NodeContent.encode("r" + round + "-" + i, new byte[0]);
            creates.add(Session.of(admin).ops().create(PATH + "/x_", content, CreateMode.EPHEMERAL_SEQUENTIAL));
        }
        List<String> paths = new ArrayList<>();
        for (CompletableFuture<AsyncOps.Created> c : creates) {
            paths.add(AsyncOps.join(c).path());
        }
        return paths;
    }

    @Test
    void observer_readsTheLeadersData_andTellsLateListenersTheCurrentLeader() throws Exception {
        byte[] address = "10.0.0.7:8080".getBytes(StandardCharsets.UTF_8);
        Group g = new Group(zk, PATH);
        g.add(b -> b.data(address));
        g.awaitOneLeader();
        LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(zk.newClient(), PATH));
        observer.start();
        assertTrue(observer.awaitInitialized(Group.WAIT));

        Participant leader = observer.leader().orElseThrow();
        assertEquals("p0", leader.id());
        assertArrayEquals(address, leader.data());
        List<Optional<Participant>> told = new CopyOnWriteArrayList<>();
        observer.addListener(told::add);
        await().atMost(Group.WAIT).until(() -> told.equals(List.of(Optional.of(leader))));
    }

    @Test
    void observer_resyncsAfterItsSessionExpires() throws Exception {
        ZkClient client = zk.newClient();
        LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(client, PATH));
        Group g = Group.start(zk, PATH, 2);
        observer.start();
        assertTrue(observer.awaitInitialized(Group.WAIT));
        assertEquals("p0", observer.leader().orElseThrow().id());

        zk.cut(client);
        g.elections.get(0).close();
        zk.restore(client);
        await().atMost(Group.WAIT).until(() -> observer.leader().map(Participant::id).orElse("").equals("p1"));

        zk.expireSession(client);
        g.elections.get(1).close();
        await().atMost(Group.WAIT).until(() -> observer.leader().isEmpty());
        g.add(b -> b);
        await().atMost(Group.WAIT).until(() -> observer.leader().map(Participant::id).orElse("").equals("p2"));
    }

    @Test
    void observer_badInputAndLifecycle() throws Exception {
        ZkClient client = zk.newClient();
        assertThrows(NullPointerException.class, () -> LeaderObserver.create(null, PATH));
        assertThrows(NullPointerException.class, () -> LeaderObserver.create(client, null));
        assertThrows(IllegalArgumentException.class, () -> LeaderObserver.create(client, "no-slash"));
        LeaderObserver observer = LeaderObserver.create(client, PATH);
        assertThrows(NullPointerException.class, () -> observer.addListener(null));
        observer.start();
        assertTrue(observer.awaitInitialized(Group.WAIT));
        assertThrows(IllegalStateException.class, observer::start);
        observer.close();
        observer.close();
        assertThrows(IllegalStateException.class, () -> observer.addListener(leader -> { }));
        assertTrue(observer.participants().isEmpty());
    }

    @Test
    void awaitInitialized_returnsFalseWithinItsTimeoutWhileCut_andTrueOnceTheConnectionIsBack() throws Exception {
        ZkClient client = zk.newClient();
        LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(client, PATH));
        zk.cut(client);
        observer.start(); // returns at once, although nothing can be read

        long start = System.nanoTime();
        assertFalse(observer.awaitInitialized(Duration.ofMillis(500)));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofMillis(1500)) < 0);
        zk.restore(client);
        assertTrue(observer.awaitInitialized(Group.WAIT));
        assertEquals(Optional.empty(), observer.leader());
    }

    @Test
    void close_whileAwaitInitializedWaitsForTheFirstRead_endsTheWait() throws Exception {
        ZkClient client = zk.newClient();
        LeaderObserver observer = LeaderObserver.create(client, PATH);
        zk.cut(client);
        java.util.concurrent.CompletableFuture<Void> started = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                observer.start();
                assertTrue(observer.awaitInitialized(Group.WAIT));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Group.WAIT).until(() -> client.requestStats().count(io.zkrecipes.core.RequestStats.Type.ADD_WATCH) > 0);
        observer.close();
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> started.get(20, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
        zk.restore(client);
    }
}
