package io.zkrecipes.config;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.AclProvider;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two digest identities: the other one cannot change the owner's configuration, nor read it unless allowed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConfigSecurityTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String ROOT = "/config/orders";
    static final Map<String, String> VALUES = Map.of("pool.size", "16", "timeout", "PT2S");

    private static ConfigStore ownersStore(AclProvider acl) throws InterruptedException {
        ZkClient alice = zk.newClient(b -> b.authorization("alice", "alice-pw-a19f").aclProvider(acl));
        ConfigStore store = zk.closeAfterTest(ConfigStore.create(alice, ROOT));
        store.putAll(VALUES);
        return store;
    }

    private static ConfigStore strangersStore(ZkClient stranger) {
        return zk.closeAfterTest(ConfigStore.create(stranger, ROOT));
    }

    private static ZkClient bob() {
        return zk.newClient(b -> b.authorization("bob", "bob-pw-33e0"));
    }

    @Test
    void creatorAll_strangerCanNeitherWriteNorRead() throws Exception {
        ConfigStore owners = ownersStore(AclProvider.creatorAll());
        ConfigStore bobs = strangersStore(bob());

        assertRefused(() -> bobs.put("pool.size", "1"), "/config/orders/pool.size", "WRITE");
        assertRefused(() -> bobs.put("new.key", "1"), ROOT, "CREATE");
        assertRefused(() -> bobs.remove("timeout"), ROOT, "DELETE");
        assertRefused(() -> bobs.putAll(Map.of("pool.size", "2")), ROOT, "");
        assertRefused(() -> bobs.compareAndSet("pool.size", 0, "3"), "/config/orders/pool.size", "WRITE");
        assertRefused(() -> bobs.importProperties(new StringReader("timeout=PT9S")), ROOT, "");
        assertRefused(() -> bobs.get("pool.size"), "/config/orders/pool.size", "READ");
        assertRefused(() -> bobs.snapshot(), ROOT, "READ");
        assertRefused(() -> bobs.subscribe(update -> { }), ROOT, "READ");

        assertEquals(VALUES, owners.snapshot(), "the owner's configuration is unchanged");
    }

    @Test
    void creatorAllWorldRead_strangerReadsAndSubscribesButCannotChange() throws Exception {
        ConfigStore owners = ownersStore(AclProvider.creatorAllWorldRead());
        ConfigStore bobs = strangersStore(bob());
        AtomicReference<Map<String, String>> seen = new AtomicReference<>();
        bobs.subscribe(update -> seen.set(update.snapshot()));
        assertEquals(VALUES, bobs.snapshot());
        assertEquals(16, bobs.getInt("pool.size", 0));

        assertRefused(() -> bobs.put("pool.size", "1"), "/config/orders/pool.size", "WRITE");
        assertRefused(() -> bobs.remove("timeout"), ROOT, "DELETE");
        assertRefused(() -> bobs.put("new.key", "1"), ROOT, "CREATE");

        owners.put("pool.size", "32");
        await("bob sees the owner's change").atMost(Duration.ofSeconds(10))
                .until(() -> "32".equals(seen.get() == null ? null : seen.get().get("pool.size")));
        assertEquals(Map.of("pool.size", "32", "timeout", "PT2S"), owners.snapshot());
    }

    @Test
    void unauthenticatedClient_isRefused() throws Exception {
        ownersStore(AclProvider.creatorAll());
        ConfigStore anonymous = strangersStore(zk.newClient());
        assertRefused(() -> anonymous.get("pool.size"), "/config/orders/pool.size", "READ");
        assertRefused(() -> anonymous.put("pool.size", "1"), "/config/orders/pool.size", "WRITE");
    }

    @Test
    void rootParentsAndKeys_getTheClientsAcl() throws Exception {
        ConfigStore owners = ownersStore(AclProvider.creatorAllWorldRead());
        ZkClient alice = zk.newClient(b -> b.authorization("alice", "alice-pw-a19f"));
        for (String path : List.of("/config", ROOT, ROOT + "/pool.size")) {
            List<ACL> acl = alice.unwrap().getACL(path, new Stat());
            assertEquals(2, acl.size(), path + ": " + acl);
            assertTrue(acl.stream().anyMatch(a -> a.getId().getScheme().equals("digest")
                    && a.getPerms() == ZooDefs.Perms.ALL), path + ": " + acl);
            assertTrue(acl.contains(ZooDefs.Ids.READ_ACL_UNSAFE.get(0)), path + ": " + acl);
        }
        assertEquals(VALUES, owners.snapshot());
    }

    /** Fails at once with a NOAUTH recipe exception naming {@code path} and {@code permission}. */
    static void assertRefused(Executable call, String path, String permission) {
        ZkRecipeException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(ZkRecipeException.class, call));
        assertEquals(KeeperException.Code.NOAUTH, e.code(), e.toString());
        assertTrue(e.getMessage().contains(path), e.getMessage());
        assertTrue(e.getMessage().contains(permission), e.getMessage());
    }
}
