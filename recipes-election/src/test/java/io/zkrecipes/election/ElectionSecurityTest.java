package io.zkrecipes.election;

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
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two digest identities: the other one can neither depose the leader nor read a closed election. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ElectionSecurityTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/elections/master";
    static final Duration WAIT = Duration.ofSeconds(20);

    private static ZkClient alice(Consumer<ZkClient.Builder> more) {
        return zk.newClient(b -> more.accept(b.authorization("alice", "alice-pw-5d1e")));
    }

    private static ZkClient bob() {
        return zk.newClient(b -> b.authorization("bob", "bob-pw-0b7c"));
    }

    private static LeaderElection leader(ZkClient client) throws InterruptedException {
        LeaderElection election = zk.closeAfterTest(LeaderElection.builder(client, PATH, "alice").build());
        election.start();
        assertTrue(election.awaitLeadership(WAIT));
        return election;
    }

    @Test
    void strangerCannotDeleteTheLeadersNode() throws Exception {
        ZkClient alice = alice(b -> { });
        ZkClient bob = bob();
        LeaderElection election = leader(alice);
        long epoch = election.fencingToken().orElseThrow();
        List<String> nodes = alice.unwrap().getChildren(PATH, false);
        assertEquals(1, nodes.size());

        KeeperException refused = assertThrows(KeeperException.class,
                () -> bob.unwrap().delete(PATH + "/" + nodes.get(0), -1));
        assertEquals(KeeperException.Code.NOAUTH, refused.code());
        assertTrue(election.hasLeadership());
        assertEquals(epoch, election.fencingToken().orElseThrow());
        assertEquals(nodes, alice.unwrap().getChildren(PATH, false));
    }

    @Test
    void strangersParticipant_neverLeadsNorJoinsTheLine() throws Exception {
        ZkClient alice = alice(b -> { });
        ZkClient bob = bob();
        LeaderElection election = leader(alice);
        List<String> nodes = alice.unwrap().getChildren(PATH, false);

        LeaderElection intruder = zk.closeAfterTest(LeaderElection.builder(bob, PATH, "bob").build());
        intruder.start();
        // the refusal ends the intruder's campaign at once, with the path and the permission named
        ZkRecipeException refused = assertThrows(ZkRecipeException.class, () -> intruder.awaitLeadership(WAIT));
        assertEquals(KeeperException.Code.NOAUTH, refused.code());
        assertTrue(refused.getMessage().contains(PATH) && refused.getMessage().contains("CREATE"), refused.getMessage());
        election.resign(); // alice's turn ends; bob must still not get in
        assertTrue(election.awaitLeadership(WAIT));
        assertFalse(intruder.hasLeadership());
        assertEquals(1, alice.unwrap().getChildren(PATH, false).size(), "bob has no node in the line");
        assertFalse(nodes.equals(alice.unwrap().getChildren(PATH, false)), "alice joined again");
    }

    @Test
    void observerWithoutReadRights_failsAtOnceNamingThePath() throws Exception {
        leader(alice(b -> { }));
        for (ZkClient stranger : List.of(bob(), zk.newClient())) {
            LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(stranger, PATH));
            observer.start();
            ZkRecipeException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertThrows(ZkRecipeException.class, () -> observer.awaitInitialized(WAIT)));
            assertEquals(KeeperException.Code.NOAUTH, e.code());
            assertTrue(e.getMessage().contains(PATH) && e.getMessage().contains("READ"), e.getMessage());
        }
    }

    @Test
    void worldRead_strangerSeesTheLeaderButCannotDeposeIt() throws Exception {
        ZkClient alice = alice(b -> b.aclProvider(AclProvider.creatorAllWorldRead()));
        ZkClient bob = bob();
        LeaderElection election = leader(alice);
        LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(bob, PATH));
        observer.start();
        assertTrue(observer.awaitInitialized(WAIT));
        assertEquals("alice", observer.leader().orElseThrow().id());
        String node = PATH + "/" + observer.leader().orElseThrow().node();
        assertEquals(KeeperException.Code.NOAUTH,
                assertThrows(KeeperException.class, () -> bob.unwrap().delete(node, -1)).code());
        assertEquals(KeeperException.Code.NOAUTH,
                assertThrows(KeeperException.class, () -> bob.unwrap().setData(node, new byte[0], -1)).code());
        assertTrue(election.hasLeadership());
    }

    @Test
    void electionParentsAndNodes_getTheClientsAcl() throws Exception {
        ZkClient alice = alice(b -> { });
        leader(alice);
        String node = PATH + "/" + alice.unwrap().getChildren(PATH, false).get(0);
        for (String path : List.of("/elections", PATH, node)) {
            List<ACL> acl = alice.unwrap().getACL(path, new Stat());
            assertEquals(1, acl.size(), path);
            assertEquals("digest", acl.get(0).getId().getScheme(), path);
            assertEquals(ZooDefs.Perms.ALL, acl.get(0).getPerms(), path);
        }
    }
}
