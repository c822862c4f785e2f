package io.zkrecipes.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ZkClientBuilderTest {

    @Test
    void builder_rejectsBadInputNamingTheArgument() {
        assertEquals("connectString", assertThrows(NullPointerException.class, () -> ZkClient.builder(null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ZkClient.builder(" "));
        assertThrows(IllegalArgumentException.class, () -> ZkClient.builder("h:1/chroot"));
        ZkClient.Builder b = ZkClient.builder("127.0.0.1:2181");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.sessionTimeout(Duration.ofSeconds(-1)));
        assertTrue(e.getMessage().startsWith("sessionTimeout must be positive"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.connectionTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.namespace("/leading"));
        assertThrows(IllegalArgumentException.class, () -> b.namespace("a//b"));
        assertThrows(IllegalArgumentException.class, () -> b.authorization("us:er", "pw"));
        assertThrows(NullPointerException.class, () -> b.authorization("user", null));
        assertThrows(NullPointerException.class, () -> b.aclProvider(null));
        assertThrows(NullPointerException.class, () -> b.retryPolicy(null));
    }

    @Test
    void client_notStartedOrClosed_isIllegalState() throws Exception {
        ZkClient client = ZkClient.builder("127.0.0.1:1").build();
        assertThrows(IllegalStateException.class, client::unwrap);
        assertEquals(0, client.sessionId());
        assertFalse(client.isLive());
        assertThrows(IllegalStateException.class, () -> client.awaitConnected(Duration.ofMillis(10)));
        client.close();
        client.close(); // idempotent
        assertTrue(client.isClosed());
        assertEquals("client was already started and closed",
                assertThrows(IllegalStateException.class, client::start).getMessage());
        assertThrows(IllegalStateException.class, () -> client.retry(() -> 1));
        assertFalse(client.isConnected());
    }

    @Test
    void toString_neverShowsThePassword() {
        ZkClient client = ZkClient.builder("127.0.0.1:1").authorization("alice", "s3cret-pw").build();
        assertFalse(client.toString().contains("s3cret-pw"), client.toString());
        assertTrue(client.toString().contains("alice"));
    }

    @Test
    void retryPolicy_rejectsBadDurationsAndCapsPauses() {
        assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.exponentialBackoff(Duration.ofMillis(10), Duration.ofMillis(5), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.exponentialBackoff(Duration.ZERO, Duration.ofMillis(5), Duration.ofSeconds(1)));
        RetryPolicy p = RetryPolicy.exponentialBackoff(Duration.ofMillis(10), Duration.ofMillis(80), Duration.ofSeconds(1));
        for (int attempt = 1; attempt < 40; attempt++) {
            long pause = p.pause(attempt).toNanos();
            assertTrue(pause >= 0 && pause <= Duration.ofMillis(80).toNanos(), "attempt " + attempt + ": " + pause);
        }
    }

    @Test
    void aclOverride_appliesToSubtreeOnly() {
        AclProvider acl = AclProvider.worldOpen().withOverride("/secure", org.apache.zookeeper.ZooDefs.Ids.CREATOR_ALL_ACL);
        assertEquals(org.apache.zookeeper.ZooDefs.Ids.CREATOR_ALL_ACL, acl.aclFor("/secure/x"));
        assertEquals(org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE, acl.aclFor("/securex"));
    }
}
