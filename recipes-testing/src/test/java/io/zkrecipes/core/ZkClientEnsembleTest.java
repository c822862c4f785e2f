package io.zkrecipes.core;

import static io.zkrecipes.core.ConnectionState.RECONNECTED;
import static io.zkrecipes.core.ConnectionState.SUSPENDED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.StateRecorder;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(90)
class ZkClientEnsembleTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    void memberKilled_clientMovesToAnotherServerOnTheSameSession() throws Exception {
        ZkClient client = zk.newClient();
        StateRecorder states = StateRecorder.attach(client);
        long session = client.sessionId();
        zk.killServer(zk.serverOf(client));
        states.awaitStates(WAIT, SUSPENDED, RECONNECTED);
        assertEquals(session, client.sessionId());
        assertEquals("/still-works", client.retry(() -> AsyncOps.join(
                Session.of(client).ops().create("/still-works", new byte[0], CreateMode.PERSISTENT))).path());
    }

    @Test
    void quorumLost_callsFailAtTheDeadline_thenWorkResumesWhenItReturns() throws Exception {
        RetryPolicy policy = RetryPolicy.exponentialBackoff(Duration.ofMillis(50), Duration.ofMillis(200),
                Duration.ofSeconds(2));
        ZkClient client = zk.newClient(b -> b.retryPolicy(policy).sessionTimeout(Duration.ofSeconds(20)));
        StateRecorder states = StateRecorder.attach(client);
        zk.stopAll();
        states.awaitState(SUSPENDED, WAIT);
        KeeperException e = assertThrows(KeeperException.class, () -> client.retry(() -> AsyncOps.join(
                Session.of(client).ops().create("/during-outage", new byte[0], CreateMode.PERSISTENT))));
        assertTrue(ZkClient.isRetryable(e.code()), e.toString());
        ZkRecipeException wrapped = new ZkRecipeException("create /during-outage", e);
        assertTrue(wrapped.getMessage().contains("could not be reached"), wrapped.getMessage());
        zk.startAll();
        states.awaitState(RECONNECTED, WAIT); // after LOST a new session is RECONNECTED too
        client.retry(() -> AsyncOps.join(Session.of(client).ops().create("/after-outage", new byte[0], CreateMode.PERSISTENT)));
    }
}
