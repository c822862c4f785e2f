package io.zkrecipes.naming;

import io.zkrecipes.core.internal.Session;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.StateRecorder;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A provider whose connection flaps 20 times: each flap drops a connection and waits for the
 * reconnection. Each costs the ZooKeeper client's own reconnect back-off (up to a second), so this
 * class takes about half a minute on its own.
 */
@Timeout(90)
class RegistryFlappingTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();
    private static final int FLAPS = 20;
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ServiceInstance P1 = ServiceInstance.of("p1", "10.0.0.1", 8080);

    @Test
    void connectionFlapping20Times_noReRegistrationOnTheSameSession() throws Exception {
        ZkClient provider = zk.newClient();
        Registration reg = ServiceRegistry.create(provider).registerNow("flap", P1, WAIT);
        ServiceDiscovery consumer = Fixtures.discovery(zk, "flap");
        Recording events = new Recording();
        consumer.addListener(events);
        long creates = provider.requestStats().count(RequestStats.Type.CREATE);
        long started = System.nanoTime();
        try (StateRecorder states = StateRecorder.attach(provider)) {
            long lost = 0;
            for (int i = 0; i < FLAPS; i++) {
                lost += flap(provider, states);
            }
            assertTrue(reg.awaitRegistered(WAIT));
            long recreated = provider.requestStats().count(RequestStats.Type.CREATE) - creates;
            assertTrue(recreated <= lost, recreated + " creates for " + lost + " new sessions");
            if (lost == 0) {
                assertEquals(List.of(), events.events(), "consumers saw nothing of the flapping");
            }
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 60, "flapping handled in bounded time");
        assertEquals(List.of(P1), consumer.instances());
    }

    /** Breaks the connection by dropping a reply (the proxy keeps accepting), waits for the reconnection; returns the LOSTs seen. */
    private static long flap(ZkClient client, StateRecorder states) {
        states.clear();
        zk.dropNextReply(client, OpCode.exists);
        Session.of(client).ops().exists("/", null).exceptionally(e -> null);
        states.awaitStates(WAIT, ConnectionState.SUSPENDED, ConnectionState.RECONNECTED);
        return states.states().stream().filter(s -> s == ConnectionState.LOST).count();
    }
}
