package io.zkrecipes.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class TlsTestServerTest {
    @RegisterExtension
    static final TlsTestServer tls = TlsTestServer.single();

    @Test
    void clientOverTls_connectsAndWorks() throws Exception {
        ZkClient client = tls.newClient();
        assertTrue(client.unwrap().getClientConfig().getBoolean(ZKClientConfig.SECURE_CLIENT));
        client.retry(() -> AsyncOps.join(Session.of(client).ops().create("/k", new byte[] {1}, CreateMode.PERSISTENT)));
        assertArrayEquals(new byte[] {1}, client.retry(() -> AsyncOps.join(Session.of(client).ops().getData("/k", null))).data());
        assertNotEquals(tls.plainConnectString(), tls.secureConnectString());
    }

    @Test
    void clientWithoutTrustStore_neverConnects_andNoPasswordIsLogged() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        ZKClientConfig config = tls.clientConfigWithoutTrustStore();
        try {
            ZkClient stranger = tls.newUnstartedClient(b -> b.clientConfig(config));
            stranger.start();
            assertFalse(stranger.awaitConnected(Duration.ofSeconds(3)));
            assertFalse(stranger.isConnected());
            assertNull(stranger.state(), "never connected");
            // ZooKeeper reports the handshake failure only in its log, on its own thread
            await("the handshake failure in the log").atMost(Duration.ofSeconds(10))
                    .until(() -> captured.toString(StandardCharsets.UTF_8).contains("SSLHandshakeException"));
            stranger.close();
        } finally {
            System.setErr(original);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertTrue(logs.contains("unable to find valid certification path"), logs);
        assertFalse(logs.contains(config.getProperty("zookeeper.ssl.keyStore.password")), logs);
        assertFalse(logs.contains(tls.clientConfig().getProperty("zookeeper.ssl.trustStore.password")), logs);
    }

    @Test
    void plainClients_stayPlain_whileTheServersTlsPropertiesAreSet() throws Exception {
        assertFalse(new ZKClientConfig().getBoolean(ZKClientConfig.SECURE_CLIENT));
        assertEquals("", tls.clientConfigWithoutTrustStore().getProperty("zookeeper.ssl.trustStore.location"));
        ZkClient plain = tls.newUnstartedClient(b -> b.clientConfig(new ZKClientConfig()));
        plain.start();
        assertFalse(plain.awaitConnected(Duration.ofSeconds(1)), "a plain client cannot talk to the TLS port");
    }
}
