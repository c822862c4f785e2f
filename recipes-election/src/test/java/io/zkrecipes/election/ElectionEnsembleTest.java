package io.zkrecipes.election;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** On a 3-node ensemble: safety while the leader's server dies, fail-over on expiry, and quorum loss. */
@Timeout(90)
class ElectionEnsembleTest {
    private static final String PATH = "/election";
    /** Room past the session timeout for the client's own timer before a belief must have changed. */
    private static final Duration GRACE = Duration.ofMillis(500);
    /** How long the server left alone may still serve: it notices the loss after syncLimit (5) ticks of 200 ms. */
    private static final Duration SURVIVOR_SERVES = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    /** How long a timed call may take beyond its timeout. */
    private static final Duration PROMPT = Duration.ofSeconds(1);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    void fiveParticipants_oneLeaderPerEpoch_whileServersDieAndTheLeaderExpires() throws Exception {
        Group g = Group.start(zk, PATH, 5);
        List<String> observed = new CopyOnWriteArrayList<>();
        LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(zk.newClient(), PATH));
        observer.addListener(l -> observed.add(l.map(Participant::id).orElse("none")));
        observer.start();
        assertTrue(observer.awaitInitialized(Group.WAIT));
        try (Group.Sampler sampler = new Group.Sampler(g.elections)) {
            LeaderElection leader = g.awaitOneLeader();
            int server = zk.serverOf(g.clientOf(leader));
            zk.killServer(server); // the leader is suspended, steps down, reconnects elsewhere
            LeaderElection after = g.awaitOneLeader();
            zk.restartServer(server);

            zk.expireSession(g.clientOf(after));
            LeaderElection next = g.awaitOneLeader();
            assertTrue(next != after);
            next.close();
            g.awaitOneLeader();

            sampler.close();
            sampler.history.assertSafe();
        }
        await().atMost(Group.WAIT).until(() -> observer.participants().size() == 4);
        await().atMost(Group.WAIT).until(() -> observed.size() >= 3); // on the listener's lane
    }

    @Test
    @Timeout(30)
    void quorumLost_leaderStopsLeadingWithinTheSessionTimeout_timedCallsReturn_oneLeaderAfterRecovery()
            throws Exception {
        Group g = new Group(zk, PATH);
        // step-down disabled: only the session model can end its belief while the quorum is gone
        LeaderElection first = g.add(b -> b.stepDownOnSuspended(false));
        g.add(b -> b);
        g.add(b -> b);
        assertEquals(first, g.awaitOneLeader());
        long epoch = first.fencingToken().orElseThrow();
        try (Group.Sampler sampler = new Group.Sampler(g.elections)) {
            int leaderServer = zk.serverOf(g.clientOf(first));
            zk.killServer(leaderServer);
            zk.killServer((leaderServer + 1) % 3); // the server left cannot serve alone
            long lostAt = System.nanoTime(); // the last connections end within SURVIVOR_SERVES

            await("the leader to stop leading within the session timeout").atMost(leftOf(lostAt,
                    SURVIVOR_SERVES.plus(ZkTestServers.SESSION_TIMEOUT).plus(GRACE))).pollInterval(Duration.ofMillis(5))
                    .until(() -> !first.hasLeadership());
            for (LeaderElection e : g.elections) {
                assertFalse(returnsWithin(awaitLeadership(e, TIMEOUT), TIMEOUT.plus(PROMPT),
                        "awaitLeadership(1 s) of " + e.id() + " without quorum"));
            }
            zk.restartServer(leaderServer);
            zk.restartServer((leaderServer + 1) % 3);

            LeaderElection next = g.awaitOneLeader();
            assertTrue(next.fencingToken().orElseThrow() > epoch, "the new term's token is not greater");
            ZkClient admin = zk.newClient();
            await("one node per participant, each of its current session").atMost(Group.WAIT).until(() ->
                    ownersOfNodes(g, admin).equals(g.clients.stream().map(ZkClient::sessionId).collect(Collectors.toSet()))
                            && g.nodes(admin).size() == 3);
            sampler.close();
            sampler.history.assertSafe();
            sampler.history.assertNoConcurrentLeaders();
        }
        assertEquals(1, g.elections.stream().filter(LeaderElection::hasLeadership).count());
    }

    private static Set<Long> ownersOfNodes(Group g, ZkClient admin) throws Exception {
        Set<Long> owners = new HashSet<>();
        for (String name : g.nodes(admin)) {
            Stat stat = admin.unwrap().exists(PATH + "/" + name, false);
            if (stat != null) {
                owners.add(stat.getEphemeralOwner());
            }
        }
        return owners;
    }

    private static CompletableFuture<Boolean> awaitLeadership(LeaderElection e, Duration timeout) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return e.awaitLeadership(timeout);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(interrupted);
            }
        });
    }

    private static <T> T returnsWithin(CompletableFuture<T> call, Duration bound, String what)
            throws InterruptedException {
        try {
            return call.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not return within " + bound);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed", e.getCause());
        }
    }

    private static Duration leftOf(long startNanos, Duration bound) {
        return Duration.ofNanos(Math.max(1_000_000, startNanos + bound.toNanos() - System.nanoTime()));
    }
}
