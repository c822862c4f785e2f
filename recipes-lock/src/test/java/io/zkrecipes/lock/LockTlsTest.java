package io.zkrecipes.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.TlsTestServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Locks over TLS to a server's secure client port, with digest credentials on top. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockTlsTest {
    @RegisterExtension
    static final TlsTestServer tls = TlsTestServer.single();

    @Test
    void locksExcludeEachOther_overTls() throws Exception {
        ZkClient a = tls.newClient(b -> b.authorization("orders", "orders-pw-2f9d"));
        ZkClient b = tls.newClient(c -> c.authorization("orders", "orders-pw-2f9d"));
        assertTrue(a.unwrap().getClientConfig().getBoolean(ZKClientConfig.SECURE_CLIENT));

        SequentialLock lockA = SequentialLock.create(a, "/locks/orders");
        SequentialLock lockB = SequentialLock.create(b, "/locks/orders");
        Lease held = lockA.acquire();
        assertTrue(lockB.tryAcquire().isEmpty(), "held by a");
        long token = held.fencingToken();
        held.close();
        Lease next = lockB.acquire(Duration.ofSeconds(20)).orElseThrow();
        assertTrue(next.fencingToken() > token);
        assertEquals("digest", a.unwrap().getACL("/locks/orders", null).get(0).getId().getScheme());
        next.close();
    }

    @Test
    void clientWithoutTheTrustStore_neverConnects() throws Exception {
        ZkClient stranger = tls.newUnstartedClient(b -> b.clientConfig(tls.clientConfigWithoutTrustStore()));
        stranger.start();
        assertFalse(stranger.awaitConnected(Duration.ofSeconds(2)));
        assertFalse(stranger.isConnected());
        assertNull(stranger.state(), "it never had a session");
    }
}
