package io.zkrecipes.naming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.AclProvider;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two digest identities: the other one can neither register into nor delete from the owner's service. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegistrySecurityTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String SERVICE = "orders";
    static final String NODE = "/services/orders/orders-1";
    static final Duration WAIT = Duration.ofSeconds(10);
    static final ServiceInstance ALICES = ServiceInstance.of("orders-1", "10.0.0.7", 8080);

    private static ZkClient alice(AclProvider acl) {
        return zk.newClient(b -> b.authorization("alice", "alice-pw-7c2b").aclProvider(acl));
    }

    private static ZkClient bob() {
        return zk.newClient(b -> b.authorization("bob", "bob-pw-e410"));
    }

    private static Registration registerAlice(ZkClient alice) throws InterruptedException {
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(alice));
        return registry.registerNow(SERVICE, ALICES, WAIT);
    }

    @Test
    void creatorAll_strangerCannotRegisterIntoNorDeleteFromTheService() throws Exception {
        ZkClient alice = alice(AclProvider.creatorAll());
        ZkClient bob = bob();
        Registration registration = registerAlice(alice);
        byte[] data = alice.unwrap().getData(NODE, false, null);
        ServiceRegistry bobs = zk.closeAfterTest(ServiceRegistry.create(bob));

        assertRefused(() -> bobs.registerNow(SERVICE, ServiceInstance.of("fake-1", "6.6.6.6", 80), WAIT),
                "/services/orders", "CREATE");
        // the same id: the server checks CREATE on the parent before it looks for the node
        assertRefused(() -> bobs.registerNow(SERVICE, ServiceInstance.of("orders-1", "6.6.6.6", 80), WAIT),
                NODE, "CREATE");
        assertEquals(KeeperException.Code.NOAUTH,
                assertThrows(KeeperException.class, () -> bob.unwrap().delete(NODE, -1)).code());
        // the background form reports the refusal too, and does not keep retrying it
        Registration background = bobs.register(SERVICE, ServiceInstance.of("fake-2", "6.6.6.6", 80));
        assertRefused(() -> background.awaitRegistered(WAIT), "/services/orders", "CREATE");
        long sent = bob.requestStats().total();
        org.awaitility.Awaitility.await("a refused registration is not retried")
                .during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> bob.requestStats().total() == sent);

        assertTrue(registration.isRegistered());
        assertEquals(List.of("orders-1"), alice.unwrap().getChildren("/services/orders", false));
        assertArrayEquals(data, alice.unwrap().getData(NODE, false, null), "alice's instance data is unchanged");
    }

    @Test
    void creatorAllWorldRead_strangerDiscoversButCannotChange() throws Exception {
        ZkClient alice = alice(AclProvider.creatorAllWorldRead());
        ZkClient bob = bob();
        Registration registration = registerAlice(alice);
        ServiceDiscovery discovery = zk.closeAfterTest(ServiceDiscovery.builder(bob, SERVICE).build());
        discovery.start();
        assertTrue(discovery.awaitInitialized(WAIT));
        assertEquals(List.of(ALICES), discovery.instances());

        ServiceRegistry bobs = zk.closeAfterTest(ServiceRegistry.create(bob));
        assertRefused(() -> bobs.registerNow(SERVICE, ServiceInstance.of("fake-1", "6.6.6.6", 80), WAIT),
                "/services/orders", "CREATE");
        assertEquals(KeeperException.Code.NOAUTH,
                assertThrows(KeeperException.class, () -> bob.unwrap().setData(NODE, new byte[0], -1)).code());
        assertEquals(KeeperException.Code.NOAUTH,
                assertThrows(KeeperException.class, () -> bob.unwrap().delete(NODE, -1)).code());
        assertTrue(registration.isRegistered());
        assertEquals(List.of(ALICES), discovery.instances());
    }

    @Test
    void unauthenticatedClient_cannotRegister() throws Exception {
        registerAlice(alice(AclProvider.creatorAllWorldRead()));
        ServiceRegistry anonymous = zk.closeAfterTest(ServiceRegistry.create(zk.newClient()));
        assertRefused(() -> anonymous.registerNow(SERVICE, ServiceInstance.of("fake-1", "6.6.6.6", 80), WAIT),
                "/services/orders", "CREATE");
    }

    @Test
    void serviceParentsAndInstances_getTheClientsAcl() throws Exception {
        ZkClient alice = alice(AclProvider.creatorAll());
        registerAlice(alice);
        for (String path : List.of("/services", "/services/orders", NODE)) {
            List<ACL> acl = alice.unwrap().getACL(path, new Stat());
            assertEquals(1, acl.size(), path + ": " + acl);
            assertEquals("digest", acl.get(0).getId().getScheme(), path);
            assertEquals(ZooDefs.Perms.ALL, acl.get(0).getPerms(), path);
        }
        assertFalse(alice.unwrap().getACL(NODE, new Stat()).contains(ZooDefs.Ids.READ_ACL_UNSAFE.get(0)));
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
