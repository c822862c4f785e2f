package io.zkrecipes.config;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(90)
class EnsembleTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    void serverOfTheSubscriberDies_changesStillArriveAndNothingGoesBack() throws Exception {
        ZkClient subscriberClient = zk.newClient();
        ConfigStore writer = zk.closeAfterTest(ConfigStore.create(zk.newClient(), "/config/app"));
        ConfigStore subscriberStore = zk.closeAfterTest(ConfigStore.create(subscriberClient, "/config/app"));
        writer.putAll(Map.of("a", "1", "b", "1"));
        Recorder r = new Recorder();
        subscriberStore.subscribe(r);
        await().atMost(WAIT).until(() -> r.values().equals(Map.of("a", "1", "b", "1")));

        int server = zk.serverOf(subscriberClient);
        assertTrue(server >= 0);
        zk.killServer(server);
        writer.putAll(Map.of("a", "2", "b", "2"));
        writer.remove("a");

        await().atMost(WAIT).until(() -> r.values().equals(Map.of("b", "2")));
        assertEquals(Map.of("b", "2"), subscriberStore.snapshot());
        assertEquals(List.of(), r.violations());
    }
}
