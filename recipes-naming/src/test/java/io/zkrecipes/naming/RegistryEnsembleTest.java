package io.zkrecipes.naming;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One server of three dies: registrations, discovery and ids carry on. */
@Timeout(90)
class RegistryEnsembleTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void providersServerKilled_instanceStaysAndIdsStayUnique() throws Exception {
        ZkClient provider = zk.newClient();
        Registration reg = zk.closeAfterTest(ServiceRegistry.create(provider))
                .registerNow("orders", ServiceInstance.of("p1", "h", 80), WAIT);
        ServiceDiscovery consumer = Fixtures.discovery(zk, "orders");
        await().atMost(WAIT).until(() -> consumer.instances().size() == 1);
        IdGenerator ids = IdGenerator.create(provider, "/ids/ensemble", 5);
        Set<Long> seen = new HashSet<>(List.of(ids.nextId(), ids.nextId()));
        long creates = provider.requestStats().count(RequestStats.Type.CREATE);
        zk.killServer(zk.serverOf(provider));
        for (int i = 0; i < 12; i++) {
            assertTrue(seen.add(ids.nextId()), "id handed out twice");
        }
        assertTrue(reg.awaitRegistered(WAIT));
        assertEquals(creates, provider.requestStats().count(RequestStats.Type.CREATE), "same session: no re-creation");
        await().atMost(WAIT).until(() -> consumer.instances().size() == 1);
    }
}
