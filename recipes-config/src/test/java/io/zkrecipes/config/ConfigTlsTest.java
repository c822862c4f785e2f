package io.zkrecipes.config;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.AclProvider;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.TlsTestServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A configuration subscription over TLS to a server's secure client port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConfigTlsTest {
    @RegisterExtension
    static final TlsTestServer tls = TlsTestServer.single();

    @Test
    void subscriberSeesChanges_overTls() throws Exception {
        ZkClient writer = tls.newClient(b -> b.authorization("ops", "ops-pw-8e14")
                .aclProvider(AclProvider.creatorAllWorldRead()));
        ZkClient reader = tls.newClient();
        assertTrue(reader.unwrap().getClientConfig().getBoolean(ZKClientConfig.SECURE_CLIENT));
        ConfigStore written = tls.closeAfterTest(ConfigStore.create(writer, "/config/orders"));
        written.put("pool.size", "16");

        ConfigStore read = tls.closeAfterTest(ConfigStore.create(reader, "/config/orders"));
        AtomicReference<Map<String, String>> seen = new AtomicReference<>();
        read.subscribe(update -> seen.set(update.snapshot()));
        await().atMost(Duration.ofSeconds(10)).until(() -> Map.of("pool.size", "16").equals(seen.get()));
        written.put("pool.size", "32");
        await().atMost(Duration.ofSeconds(10)).until(() -> Map.of("pool.size", "32").equals(seen.get()));
        assertEquals(32, read.getInt("pool.size", 0));
    }

    @Test
    void clientWithoutTheTrustStore_neverConnects() throws Exception {
        ZkClient stranger = tls.newUnstartedClient(b -> b.clientConfig(tls.clientConfigWithoutTrustStore()));
        stranger.start();
        assertFalse(stranger.awaitConnected(Duration.ofSeconds(2)));
        assertFalse(stranger.isConnected());
    }
}
