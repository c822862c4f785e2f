package io.zkrecipes.micrometer;

import static io.zkrecipes.micrometer.Metered.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zkrecipes.testing.ZkTestServers;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientMetricsTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void suspension_movesTheStateGauge_andCountsOnce() throws Exception {
        Metered a = new Metered(zk);
        assertEquals(1, a.gauge("zkrecipes.client.state", "state", "connected"));
        assertEquals(0, a.count("zkrecipes.client.suspensions"), "registered before any event");
        zk.cut(a.client);
        awaitValue(1.0, () -> a.gauge("zkrecipes.client.state", "state", "suspended"));
        assertEquals(0, a.gauge("zkrecipes.client.state", "state", "connected"));
        awaitValue(1.0, () -> a.count("zkrecipes.client.suspensions")); // counted after the gauge moves
        zk.restore(a.client);
        awaitValue(1.0, () -> a.gauge("zkrecipes.client.state", "state", "reconnected"));
        assertEquals(0, a.count("zkrecipes.client.session.expirations"));
    }

    @Test
    void expiry_countsASessionExpiration() throws Exception {
        Metered a = new Metered(zk);
        zk.expireSession(a.client);
        awaitValue(1.0, () -> a.count("zkrecipes.client.session.expirations"));
        awaitValue(1.0, () -> a.gauge("zkrecipes.client.state", "state", "reconnected"));
    }

    @Test
    void lostReply_countsARetry_byCode() throws Exception {
        Metered a = new Metered(zk);
        zk.dropNextReply(a.client, ZooDefs.OpCode.exists);
        a.client.retry(() -> a.client.unwrap().exists("/", false));
        awaitValue(1.0, () -> a.count("zkrecipes.client.retries", "code", "connectionloss"));
    }

    @Test
    void binder_bindsOnce_andNotAfterClose() {
        ZkRecipesMetrics metrics = zk.closeAfterTest(new ZkRecipesMetrics(zk.newClient()));
        metrics.bindTo(new SimpleMeterRegistry());
        assertThrows(IllegalStateException.class, () -> metrics.bindTo(new SimpleMeterRegistry()));
        metrics.close();
        ZkRecipesMetrics closed = new ZkRecipesMetrics(zk.newClient());
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.bindTo(new SimpleMeterRegistry()));
    }
}
