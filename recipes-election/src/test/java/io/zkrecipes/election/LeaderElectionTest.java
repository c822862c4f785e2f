package io.zkrecipes.election;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs.Ids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class LeaderElectionTest {
    private static final String PATH = "/election";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void lowestLeads_andLeadershipPassesInJoinOrder() throws Exception {
        Group g = Group.start(zk, PATH, 3);
        assertEquals("p0", g.awaitOneLeader().id());

        long epoch0 = g.elections.get(0).fencingToken().orElseThrow();
        g.elections.get(0).close();
        assertEquals("p1", g.awaitOneLeader().id());
        long epoch1 = g.elections.get(1).fencingToken().orElseThrow();
        g.elections.get(1).close();
        assertEquals("p2", g.awaitOneLeader().id());

        assertTrue(epoch0 < epoch1 && epoch1 < g.elections.get(2).fencingToken().orElseThrow());
    }

    @Test
    void close_nextLeads_andOldLeaderWasToldItLost() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Group g = new Group(zk, PATH);
        LeaderElection first = g.add(b -> b.listener(recorder(events)));
        g.add(b -> b);
        assertTrue(first.awaitLeadership(Group.WAIT));

        first.close();

        assertFalse(first.hasLeadership());
        assertTrue(g.elections.get(1).awaitLeadership(Group.WAIT));
        await().atMost(Group.WAIT).until(() -> events.size() == 2);
        assertEquals("gained", events.get(0).split(" ")[0]);
        assertEquals("lost p0", events.get(1));
    }

    @Test
    void sessionExpiry_nextLeadsWithinTheSessionTimeout_andOldLeaderRejoins() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Group g = new Group(zk, PATH);
        LeaderElection first = g.add(b -> b.listener(recorder(events)));
        LeaderElection second = g.add(b -> b);
        assertTrue(first.awaitLeadership(Group.WAIT));

        long start = System.nanoTime();
        zk.expireSession(g.clientOf(first));

        assertTrue(second.awaitLeadership(ZkTestServers.SESSION_TIMEOUT.plusSeconds(1)));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(ZkTestServers.SESSION_TIMEOUT.plusSeconds(1)) < 0);
        assertFalse(first.hasLeadership());
        await().atMost(Group.WAIT).until(() -> events.contains("lost p0"));
        await().atMost(Group.WAIT).until(() -> g.nodes(g.clientOf(second)).size() == 2); // p0 re-joined
    }

    @Test
    void failover_afterCleanExit_costsTheNextCandidateNoRequest() throws Exception {
        Group g = Group.start(zk, PATH, 2);
        LeaderElection next = g.elections.get(1);
        ZkClient nextClient = g.clientOf(next);
        g.awaitOneLeader();
        // the candidate has joined, read its own node (watch) and watches the leader's node
        await().atMost(Group.WAIT).until(() -> nextClient.requestStats().count(RequestStats.Type.GET_DATA) == 2);
        long before = nextClient.requestStats().total();

        g.elections.get(0).close();

        assertTrue(next.awaitLeadership(Group.WAIT));
        assertEquals(before, nextClient.requestStats().total(), nextClient.requestStats()::toString);
    }

    @Test
    void resign_givesLeadershipToTheNext_andRejoinsAtTheBack() throws Exception {
        Group g = Group.start(zk, PATH, 2);
        LeaderElection first = g.awaitOneLeader();

        first.resign();

        assertFalse(first.hasLeadership());
        assertEquals("p1", g.awaitOneLeader().id());
        await().atMost(Group.WAIT).until(() -> g.nodes(g.clients.get(0)).size() == 2);
        g.elections.get(1).resign();
        assertEquals("p0", g.awaitOneLeader().id());
    }

    @Test
    void suspendedLeader_stepsDown_andLeadsAgainOnTheSameNodeAfterReconnecting() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Group g = new Group(zk, PATH);
        LeaderElection leader = g.add(b -> b.listener(recorder(events)));
        g.add(b -> b);
        assertTrue(leader.awaitLeadership(Group.WAIT));
        long epoch = leader.fencingToken().orElseThrow();

        zk.cut(g.clientOf(leader));
        assertFalse(leader.hasLeadership());
        await().atMost(Group.WAIT).until(() -> events.contains("lost p0"));
        zk.restore(g.clientOf(leader));

        assertTrue(leader.awaitLeadership(Group.WAIT));
        assertEquals(epoch, leader.fencingToken().orElseThrow()); // same node, no new one
        assertFalse(g.elections.get(1).hasLeadership());
        assertEquals(2, g.nodes(g.clients.get(1)).size());
        await().atMost(Group.WAIT).until(() -> events.equals(List.of("gained p0 " + epoch, "lost p0",
                "gained p0 " + epoch)));
    }

    @Test
    void stepDownDisabled_leaderKeepsLeadingWhileSuspended() throws Exception {
        Group g = new Group(zk, PATH);
        LeaderElection leader = g.add(b -> b.stepDownOnSuspended(false));
        assertTrue(leader.awaitLeadership(Group.WAIT));

        zk.cut(g.clientOf(leader));
        assertTrue(leader.hasLeadership());
        zk.restore(g.clientOf(leader));
        assertTrue(leader.hasLeadership());
    }

    @Test
    void parentDeletedWhileSuspended_participantRejoins() throws Exception {
        Group g = Group.start(zk, PATH, 2);
        LeaderElection leader = g.awaitOneLeader();
        ZkClient admin = zk.newClient();
        long oldEpoch = leader.fencingToken().orElseThrow();

        zk.cut(g.clientOf(leader));
        List<Op> wipe = new java.util.ArrayList<>();
        for (String child : g.nodes(admin)) {
            wipe.add(Op.delete(PATH + "/" + child, -1));
        }
        wipe.add(Op.delete(PATH, -1));
        admin.unwrap().multi(wipe);
        zk.restore(g.clientOf(leader));

        await().atMost(Group.WAIT).until(() -> g.nodes(admin).size() == 2);
        LeaderElection now = g.awaitOneLeader();
        assertTrue(now.fencingToken().orElseThrow() > oldEpoch);
        for (String child : g.nodes(admin)) {
            long owner = admin.unwrap().exists(PATH + "/" + child, false).getEphemeralOwner();
            assertTrue(owner == g.clients.get(0).sessionId() || owner == g.clients.get(1).sessionId());
        }
    }

    @Test
    void writeAsLeader_appliesOnlyWhileLeading_andDeposedLeaderFails() throws Exception {
        Group g = Group.start(zk, PATH, 2);
        LeaderElection leader = g.awaitOneLeader();
        byte[] v = "x".getBytes(StandardCharsets.UTF_8);

        leader.writeAsLeader(List.of(Op.create("/fenced", v, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)));
        assertThrows(NotLeaderException.class, () -> g.elections.get(1).writeAsLeader(List.of()));

        // deposed behind its back: its node is deleted while it still believes it leads
        g.clients.get(1).unwrap().delete(g.clients.get(1).unwrap().getChildren(PATH, false).stream()
                .sorted(io.zkrecipes.core.internal.Sequences.ORDER).findFirst().map(n -> PATH + "/" + n).orElseThrow(), -1);
        await().atMost(Group.WAIT).until(() -> !leader.hasLeadership() || throwsNotLeader(leader));
        assertThrows(NotLeaderException.class, () -> leader.writeAsLeader(List.of(Op.delete("/fenced", -1))));
        assertTrue(g.elections.get(1).awaitLeadership(Group.WAIT));
        assertTrue(g.clients.get(1).unwrap().exists("/fenced", false) != null);
    }

    @Test
    void listeners_runInOrderOnTheGivenExecutor_andMayCallBack() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> new Thread(r, "callbacks"));
        try {
            List<String> events = new CopyOnWriteArrayList<>();
            Group g = new Group(zk, PATH);
            LeaderElection e = g.add(b -> b.listenerExecutor(executor).listener(new LeadershipListener() {
                @Override
                public void leadershipGained(LeaderElection election, long epoch) {
                    events.add("gained " + Thread.currentThread().getName() + " " + election.hasLeadership());
                    election.resign(); // calling back does not deadlock
                }

                @Override
                public void leadershipLost(LeaderElection election) {
                    events.add("lost " + Thread.currentThread().getName() + " " + election.hasLeadership());
                }
            }));
            await().atMost(Group.WAIT).until(() -> events.size() >= 4);
            List<String> seen = List.copyOf(events);
            for (int i = 0; i < 4; i++) {
                assertEquals(i % 2 == 0 ? "gained callbacks" : "lost callbacks false",
                        seen.get(i).replace(" true", "").replace(" false", i % 2 == 0 ? "" : " false"));
            }
            e.close();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void nodeData_holdsTheId() throws Exception {
        Group g = Group.start(zk, PATH, 1);
        g.awaitOneLeader();
        String node = g.nodes(g.clients.get(0)).get(0);
        assertEquals("p0", new String(g.clients.get(0).unwrap().getData(PATH + "/" + node, false, null),
                StandardCharsets.UTF_8));
        assertNotEquals(0, g.elections.get(0).fencingToken().orElseThrow());
    }

    @Test
    void leader_isKnownToEveryParticipant_andCostsTheLeaderNoRequest() throws Exception {
        byte[] address = "10.0.0.7:8080".getBytes(StandardCharsets.UTF_8);
        Group g = new Group(zk, PATH);
        LeaderElection first = g.add(b -> b.data(address));
        LeaderElection second = g.add(b -> b);
        assertTrue(first.awaitLeadership(Group.WAIT));
        ZkClient firstClient = g.clientOf(first);
        long before = firstClient.requestStats().total();

        Participant self = first.leader().orElseThrow();

        assertEquals(before, firstClient.requestStats().total(), firstClient.requestStats()::toString);
        assertEquals(self, second.leader().orElseThrow());
        assertEquals("p0", self.id());
        assertEquals(first.fencingToken().orElseThrow(), self.fencingToken());
        assertArrayEquals(address, self.data());
        first.close();
        assertTrue(second.awaitLeadership(Group.WAIT));
        assertEquals("p1", second.leader().orElseThrow().id());
        second.close();
        assertThrows(IllegalStateException.class, second::leader);
        LeaderElection unstarted = zk.closeAfterTest(LeaderElection.builder(zk.newClient(), PATH, "late").build());
        assertEquals(Optional.empty(), unstarted.leader());
    }

    private static boolean throwsNotLeader(LeaderElection e) {
        try {
            e.writeAsLeader(List.of());
            return false;
        } catch (NotLeaderException expected) {
            return true;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static LeadershipListener recorder(List<String> events) {
        return new LeadershipListener() {
            @Override
            public void leadershipGained(LeaderElection election, long epoch) {
                events.add("gained " + election.id() + " " + epoch);
            }

            @Override
            public void leadershipLost(LeaderElection election) {
                events.add("lost " + election.id());
            }
        };
    }
}
