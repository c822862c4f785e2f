package io.zkrecipes.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ZkClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class ZkTestServersTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void newClient_isConnectedInTheTestsNamespace() throws Exception {
        ZkClient client = zk.newClient();

        assertTrue(client.isConnected());
        assertEquals(zk.namespace(), client.namespace());
        assertTrue(zk.namespace().startsWith("t-ZkTestServersTest-newClient_isConnectedInTheTestsNamespace-"));
        client.unwrap().create("/node", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertNotNull(rawExists("/" + zk.namespace() + "/node"));
    }

    @Test
    void namespaces_separateTests_first() throws Exception {
        createShared();
    }

    @Test
    void namespaces_separateTests_second() throws Exception {
        createShared();
    }

    private static void createShared() throws Exception {
        zk.newClient().unwrap().create("/shared", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    }

    @Test
    void cutThenRestore_suspendsAndReconnectsOnTheSameSession() throws Exception {
        ZkClient client = zk.newClient();
        long session = client.sessionId();
        StateRecorder states = StateRecorder.attach(client);

        zk.cut(client);
        assertEquals(ConnectionState.SUSPENDED, client.state());
        zk.restore(client);

        assertTrue(client.isConnected());
        assertEquals(session, client.sessionId());
        states.awaitStates(WAIT, ConnectionState.SUSPENDED, ConnectionState.RECONNECTED);
        assertEquals(-1, states.states().indexOf(ConnectionState.LOST), states::toString);
    }

    @Test
    void cut_failsRequestsUntilRestored() throws Exception {
        ZkClient client = zk.newClient();
        zk.cut(client);

        assertThrows(KeeperException.ConnectionLossException.class, () -> client.unwrap().exists("/", false));
        assertEquals(-1, zk.serverOf(client));
        zk.restore(client);
        assertNotNull(client.unwrap().exists("/", false));
        assertEquals(0, zk.serverOf(client));
    }

    @Test
    void expireSession_givesLostThenANewSessionAndDeletesEphemerals() throws Exception {
        ZkClient client = zk.newClient();
        long session = client.sessionId();
        client.unwrap().create("/mine", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        StateRecorder states = StateRecorder.attach(client);

        zk.expireSession(client);

        states.awaitStates(WAIT, ConnectionState.LOST, ConnectionState.RECONNECTED);
        assertTrue(client.isConnected());
        assertNotEquals(session, client.sessionId());
        assertNull(rawExists("/" + zk.namespace() + "/mine"));
        assertNull(client.unwrap().exists("/mine", false));
    }

    @Test
    void dropNextReply_createFailsWithConnectionLossButTheNodeExists() throws Exception {
        ZkClient client = zk.newClient();
        long session = client.sessionId();

        var dropped = zk.dropNextReply(client, OpCode.create);
        ZooKeeper handle = client.unwrap();
        assertThrows(KeeperException.ConnectionLossException.class,
                () -> handle.create("/applied", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));

        dropped.get(10, TimeUnit.SECONDS);
        assertNotNull(rawExists("/" + zk.namespace() + "/applied"));
        assertTrue(client.awaitConnected(WAIT));
        assertEquals(session, client.sessionId());
    }

    @Test
    void dropNextReply_letsOtherRequestsThrough() throws Exception {
        ZkClient client = zk.newClient();
        var dropped = zk.dropNextReply(client, OpCode.delete);

        client.unwrap().create("/kept", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertNotNull(client.unwrap().exists("/kept", false));
        assertTrue(!dropped.isDone());
        assertThrows(KeeperException.ConnectionLossException.class, () -> client.unwrap().delete("/kept", -1));
        assertNull(rawExists("/" + zk.namespace() + "/kept"));
    }

    @Test
    void restartServer_clientReconnectsOnTheSameSession() throws Exception {
        ZkClient client = zk.newClient();
        long session = client.sessionId();
        StateRecorder states = StateRecorder.attach(client);

        zk.killServer(0);
        states.awaitState(ConnectionState.SUSPENDED, WAIT);
        zk.restartServer(0);

        states.awaitStates(WAIT, ConnectionState.SUSPENDED, ConnectionState.RECONNECTED);
        assertEquals(session, client.sessionId());
    }

    @Test
    void faultHelpers_rejectClientsMadeElsewhere() {
        try (ZkClient other = ZkClient.builder(zk.connectString()).build()) {
            assertThrows(IllegalArgumentException.class, () -> zk.cut(other));
        }
    }

    private static org.apache.zookeeper.data.Stat rawExists(String path) throws Exception {
        try (RawZooKeeper raw = new RawZooKeeper(zk.rawConnectString())) {
            return raw.zk().exists(path, false);
        }
    }
}
