package io.zkrecipes.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BadInputTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void badArguments_failAtOnce_namingTheArgument() throws Exception {
        ZkClient client = zk.newClient();
        long requests = client.requestStats().total();
        assertEquals("client", assertThrows(NullPointerException.class,
                () -> SequentialLock.create(null, "/l")).getMessage());
        assertEquals("path", assertThrows(NullPointerException.class,
                () -> ExclusiveLock.create(client, null)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SequentialLock.create(client, "no-slash"))
                .getMessage().startsWith("path"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReadWriteLock.create(client, "/a//b"))
                .getMessage().startsWith("path"));
        assertThrows(IllegalArgumentException.class, () -> ExclusiveLock.create(client, "/"));
        assertThrows(NullPointerException.class, () -> SequentialLock.create(client, "/l", null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CountingSemaphore.create(client, "/s", 0))
                .getMessage().startsWith("permits"));
        assertThrows(IllegalArgumentException.class, () -> CountingSemaphore.create(client, "/s", -3));
        assertThrows(NullPointerException.class, () -> LockOptions.defaults().ownership(null));
        for (LockKind kind : LockKind.values()) {
            DistributedLock lock = kind.create(client, "/l-" + kind);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> lock.acquire(Duration.ofMillis(-1)))
                    .getMessage().startsWith("timeout"));
            assertEquals("timeout", assertThrows(NullPointerException.class, () -> lock.acquire(null)).getMessage());
            Lease lease = lock.acquire();
            requests = client.requestStats().total();
            assertThrows(NullPointerException.class, () -> lease.guardedWrite(null));
            assertThrows(IllegalArgumentException.class, () -> lease.guardedWrite(List.of()));
            assertThrows(NullPointerException.class, () -> lease.onLost(null));
            assertEquals(requests, client.requestStats().total(), "nothing sent for bad input");
            lease.close();
        }
    }

    @Test
    void closedClient_isIllegalState() throws Exception {
        ZkClient client = zk.newClient();
        DistributedLock lock = SequentialLock.create(client, "/l");
        client.close();
        assertThrows(IllegalStateException.class, lock::acquire);
        assertThrows(IllegalStateException.class, () -> ExclusiveLock.create(client, "/l"));
    }
}
