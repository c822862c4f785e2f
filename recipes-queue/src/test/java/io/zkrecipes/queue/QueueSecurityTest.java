package io.zkrecipes.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two digest identities with creator-only ACLs: the other one can neither take from nor add to the queue. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueueSecurityTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/queues/jobs";

    private static DistributedQueue<String> queue(ZkClient client) throws InterruptedException {
        return zk.closeAfterTest(DistributedQueue.builder(client, PATH, Serializer.utf8()).build());
    }

    @Test
    void strangerCanNeitherTakeNorPut_andTheOwnersItemsStay() throws Exception {
        ZkClient alice = zk.newClient(b -> b.authorization("alice", "alice-pw-40d8"));
        DistributedQueue<String> owners = queue(alice);
        owners.putAll(List.of("a", "b"));

        for (ZkClient stranger : List.of(zk.newClient(b -> b.authorization("bob", "bob-pw-c7e1")), zk.newClient())) {
            ZkRecipeException opened = null;
            DistributedQueue<String> other = null;
            try {
                other = queue(stranger);
            } catch (ZkRecipeException e) {
                opened = e; // refused already when opening: just as good
            }
            if (opened != null) {
                assertNoAuth(opened);
                continue;
            }
            DistributedQueue<String> strangers = other;
            assertRefused(() -> strangers.poll(Duration.ofSeconds(10)));
            assertRefused(() -> strangers.put("fake"));
        }

        assertEquals(2, owners.size());
        assertEquals(Optional.of("a"), owners.poll(Duration.ofSeconds(5)));
        assertEquals(Optional.of("b"), owners.poll(Duration.ofSeconds(5)));
    }

    @Test
    void queueNodes_getTheClientsAcl() throws Exception {
        ZkClient alice = zk.newClient(b -> b.authorization("alice", "alice-pw-40d8"));
        queue(alice).put("a");
        for (String path : List.of("/queues", PATH)) {
            List<ACL> acl = alice.unwrap().getACL(path, new Stat());
            assertEquals(1, acl.size(), path + ": " + acl);
            assertEquals("digest", acl.get(0).getId().getScheme(), path);
        }
    }

    static void assertRefused(Executable call) {
        assertNoAuth(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(ZkRecipeException.class, call)));
    }

    static void assertNoAuth(ZkRecipeException e) {
        assertEquals(KeeperException.Code.NOAUTH, e.code(), e.toString());
        assertTrue(e.getMessage().contains(PATH) && e.getMessage().contains("not authorized"), e.getMessage());
    }
}
