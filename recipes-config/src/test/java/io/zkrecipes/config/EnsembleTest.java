package io.zkrecipes.config;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    @Test
    void quorumLostThenEveryServerRestarted_writesFailClearlyAndSubscribersEndAtTheFinalValue() throws Exception {
        RetryPolicy shortRetries = RetryPolicy.exponentialBackoff(Duration.ofMillis(50), Duration.ofMillis(200),
                Duration.ofSeconds(2));
        ConfigStore writer = zk.closeAfterTest(ConfigStore.create(zk.newClient(b -> b.retryPolicy(shortRetries)),
                "/config/quorum"));
        ConfigStore subscriberStore = zk.closeAfterTest(ConfigStore.create(zk.newClient(), "/config/quorum"));
        writer.put("k", "1");
        Recorder r = new Recorder();
        subscriberStore.subscribe(r);
        await().atMost(WAIT).until(() -> r.values().equals(Map.of("k", "1")));

        zk.stopAll();
        assertThrows(ZkRecipeException.class, () -> writer.put("k", "lost"));
        assertEquals(Optional.of("1"), subscriberStore.get("k"), "the cache answers while quorum is lost");
        zk.startAll();

        writer.put("k", "2");
        await().atMost(WAIT).until(() -> r.values().equals(Map.of("k", "2")));
        assertEquals(List.of(), r.violations());
    }
}
