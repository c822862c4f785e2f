package io.zkrecipes.election;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Safety under faults on one server: one leader per epoch, epochs increase, nothing leaks. */
@Timeout(90)
class ElectionFaultsTest {
    private static final String PATH = "/election";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void fiveParticipants_oneLeaderPerEpoch_throughCloseExpiryAndCut() throws Exception {
        Group g = Group.start(zk, PATH, 5);
        try (Group.Sampler sampler = new Group.Sampler(g.elections)) {
            LeaderElection leader = g.awaitOneLeader();
            leader.close();
            leader = awaitNewLeader(g, leader);

            zk.expireSession(g.clientOf(leader));
            leader = awaitNewLeader(g, leader);

            long epoch = leader.fencingToken().orElseThrow();
            zk.cut(g.clientOf(leader));
            assertTrue(g.elections.stream().noneMatch(LeaderElection::hasLeadership));
            zk.restore(g.clientOf(leader));
            assertEquals(leader, g.awaitOneLeader());
            assertEquals(epoch, leader.fencingToken().orElseThrow());

            sampler.close();
            sampler.history.assertSafe();
            assertTrue(sampler.history.leaders().size() >= 3, sampler.history.leaders()::toString);
        }
        assertEquals(4, g.nodes(g.clients.get(1)).size());
    }

    @Test
    void leaderExpiredAndReconnected50Times_convergesWithoutLeakingNodes() throws Exception {
        Group g = Group.start(zk, PATH, 3);
        long start = System.nanoTime();
        ExecutorService faults = Executors.newFixedThreadPool(3);
        Map<ZkClient, Future<?>> pending = new HashMap<>();
        try (Group.Sampler sampler = new Group.Sampler(g.elections)) {
            for (int i = 0; i < 50; i++) {
                LeaderElection leader = g.awaitOneLeader();
                ZkClient client = g.clientOf(leader);
                Future<?> previous = pending.get(client);
                if (previous != null) {
                    previous.get(); // one fault at a time per client: its earlier one has ended
                }
                // a leader expired hands over at once, so faults overlap while expired clients reconnect
                pending.put(client, faults.submit(i % 10 == 9 ? () -> {
                    zk.cut(client);
                    zk.restore(client);
                } : () -> zk.expireSession(client)));
                await().atMost(Group.WAIT).pollInterval(Duration.ofMillis(2)).until(() -> !leader.hasLeadership());
            }
            for (Future<?> f : pending.values()) {
                f.get();
            }
            g.awaitOneLeader();
            sampler.close();
            sampler.history.assertSafe();
        } finally {
            faults.shutdownNow();
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 60);
        ZkClient admin = zk.newClient();
        await().atMost(Group.WAIT).until(() -> g.nodes(admin).size() == 3);
        Set<Long> owners = g.nodes(admin).stream().map(n -> owner(admin, PATH + "/" + n)).collect(Collectors.toSet());
        assertEquals(g.clients.stream().map(ZkClient::sessionId).collect(Collectors.toSet()), owners);
        assertEquals(1, g.elections.stream().filter(LeaderElection::hasLeadership).count());
    }

    @Test
    void leaderTaskInterruptedTwiceThenExpired_rejoinsAndSomeoneLeads() throws Exception {
        List<Thread> taskThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
        LeaderTask task = epoch -> {
            taskThreads.add(Thread.currentThread());
            new java.util.concurrent.CountDownLatch(1).await(); // works until interrupted
        };
        Group g = new Group(zk, PATH);
        LeaderElection first = g.add(b -> b.runWhileLeading(task).autoRequeue(true));
        g.add(b -> b.runWhileLeading(task).autoRequeue(true));
        await().atMost(Group.WAIT).until(() -> !taskThreads.isEmpty());
        Thread worker = taskThreads.get(0);

        worker.interrupt();
        worker.interrupt();
        LeaderElection leader = g.awaitOneLeader();
        zk.expireSession(g.clientOf(leader));

        LeaderElection after = g.awaitOneLeader();
        await().atMost(Group.WAIT).until(() -> g.nodes(g.clientOf(first)).size() == 2);
        assertTrue(after.hasLeadership());
        await().atMost(Group.WAIT).until(() -> taskThreads.size() >= 3);
    }

    private static LeaderElection awaitNewLeader(Group g, LeaderElection old) {
        await().atMost(Group.WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
            List<LeaderElection> leading = g.elections.stream().filter(LeaderElection::hasLeadership).toList();
            return leading.size() == 1 && leading.get(0) != old;
        });
        return g.awaitOneLeader();
    }

    private static long owner(ZkClient admin, String path) {
        try {
            return admin.unwrap().exists(path, false).getEphemeralOwner();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
