package io.zkrecipes.election;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.testing.ZkTestServers;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** On a 3-node ensemble: safety while the leader's server dies, and fail-over on expiry. */
@Timeout(90)
class ElectionEnsembleTest {
    private static final String PATH = "/election";

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
        assertTrue(observed.size() >= 3, observed::toString);
    }
}
