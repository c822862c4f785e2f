package io.zkrecipes.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.ZkTestServers;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(30)
class AclTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void creatorAll_isTheDefaultWithCredentials_andRefusalsNameThePermissionWithoutRetrying() throws Exception {
        ZkClient alice = zk.newClient(b -> b.authorization("alice", "alice-pw"));
        ZkClient bob = zk.newClient(b -> b.authorization("bob", "bob-pw"));
        alice.retry(() -> AsyncOps.join(Session.of(alice).ops().createWithParents("/app/config", new byte[] {1}, CreateMode.PERSISTENT)));

        long sent = bob.requestStats().total();
        KeeperException write = assertThrows(KeeperException.class,
                () -> bob.retry(() -> AsyncOps.join(Session.of(bob).ops().setData("/app/config", new byte[] {2}, -1))));
        assertEquals(KeeperException.Code.NOAUTH, write.code());
        assertTrue(write instanceof PermissionDeniedException denied && denied.permission().equals("WRITE"), write.toString());
        assertEquals(sent + 1, bob.requestStats().total(), "a refusal is never retried");

        KeeperException delete = assertThrows(KeeperException.class,
                () -> bob.retry(() -> AsyncOps.join(Session.of(bob).ops().delete("/app/config", -1))));
        String message = new ZkRecipeException("remove /app/config", delete).getMessage();
        assertTrue(message.contains("/app/config") && message.contains("DELETE"), message);

        assertArrayEquals(new byte[] {1}, alice.retry(() -> AsyncOps.join(Session.of(alice).ops().getData("/app/config", null))).data());
    }

    @Test
    void creatorAllWorldRead_letsOthersReadButNotWrite() throws Exception {
        ZkClient owner = zk.newClient(b -> b.authorization("owner", "owner-pw").aclProvider(AclProvider.creatorAllWorldRead()));
        ZkClient stranger = zk.newClient();
        owner.retry(() -> AsyncOps.join(Session.of(owner).ops().createWithParents("/shared/k", new byte[] {7}, CreateMode.PERSISTENT)));
        assertArrayEquals(new byte[] {7}, stranger.retry(() -> AsyncOps.join(Session.of(stranger).ops().getData("/shared/k", null))).data());
        assertThrows(KeeperException.NoAuthException.class,
                () -> stranger.retry(() -> AsyncOps.join(Session.of(stranger).ops().setData("/shared/k", new byte[] {8}, -1))));
    }
}
