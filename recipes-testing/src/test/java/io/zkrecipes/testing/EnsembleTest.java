package io.zkrecipes.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ZkClient;
import java.time.Duration;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs.Ids;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(90)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnsembleTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    @Order(1)
    void killServer_ofTheClient_movesItToAnotherServerOnTheSameSession() throws Exception {
        ZkClient client = zk.newClient();
        long session = client.sessionId();
        int server = zk.serverOf(client);
        StateRecorder states = StateRecorder.attach(client);

        zk.killServer(server);

        states.awaitStates(WAIT, ConnectionState.SUSPENDED, ConnectionState.RECONNECTED);
        assertEquals(session, client.sessionId());
        assertNotEquals(server, zk.serverOf(client));
        // left stopped on purpose: the next test checks that it was started again
    }

    @Test
    @Order(2)
    void stoppedServers_areStartedAgainAfterEachTest() throws Exception {
        for (String server : zk.connectString().split(",")) {
            try (RawZooKeeper raw = new RawZooKeeper(server)) {
                assertNotNull(raw.zk().exists("/", false));
            }
        }
    }

    @Test
    @Order(3)
    void stopAllThenStartAll_suspendsTheClientUntilTheQuorumReturns() throws Exception {
        ZkClient client = zk.newClient();
        StateRecorder states = StateRecorder.attach(client);

        zk.stopAll();
        states.awaitState(ConnectionState.SUSPENDED, WAIT);
        zk.startAll();

        states.awaitStates(WAIT, ConnectionState.SUSPENDED, ConnectionState.RECONNECTED);
        assertTrue(client.awaitConnected(WAIT));
        assertNotNull(client.unwrap().exists("/", false));
    }

    @Test
    @Order(4)
    void expireSession_onAnEnsemble_deletesEphemerals() throws Exception {
        ZkClient client = zk.newClient();
        long session = client.sessionId();
        client.unwrap().create("/mine", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);

        zk.expireSession(client);

        assertNotEquals(session, client.sessionId());
        assertNull(client.unwrap().exists("/mine", false));
    }
}
