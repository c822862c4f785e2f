package io.zkrecipes.lock;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two digest identities with creator-only ACLs: the other one can neither steal nor break a lock. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockSecurityTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/orders";
    static final String ALICE_PASSWORD = "alice-Secret-7f3a";
    /** A refusal must come at once, not after the retry policy's deadline. */
    static final Duration PROMPT = Duration.ofSeconds(5);

    private static ZkClient alice() {
        return zk.newClient(b -> b.authorization("alice", ALICE_PASSWORD));
    }

    private static ZkClient bob() {
        return zk.newClient(b -> b.authorization("bob", "bob-Secret-91c2"));
    }

    @Test
    void exclusiveLock_strangerCannotDeleteOrTakeTheHoldersNode() throws Exception {
        ZkClient alice = alice();
        ZkClient bob = bob();
        Lease lease = ExclusiveLock.create(alice, PATH).acquire();

        KeeperException raw = assertThrows(KeeperException.class, () -> bob.unwrap().delete(PATH, -1));
        assertEquals(KeeperException.Code.NOAUTH, raw.code());
        ExclusiveLock bobsLock = ExclusiveLock.create(bob, PATH);
        assertRefused(() -> bobsLock.tryAcquire(), bob, PATH);
        assertRefused(() -> bobsLock.acquire(Duration.ofSeconds(20)), bob, PATH);

        assertTrue(lease.isValid(), "alice still holds the lock");
        Stat stat = alice.unwrap().exists(PATH, false);
        assertEquals(alice.sessionId(), stat.getEphemeralOwner());
        assertEquals(lease.fencingToken(), stat.getCzxid());
    }

    @Test
    void sequentialLock_strangerCannotJoinTheLineNorDeleteTheHolder() throws Exception {
        ZkClient alice = alice();
        ZkClient bob = bob();
        Lease lease = SequentialLock.create(alice, PATH).acquire();

        KeeperException raw = assertThrows(KeeperException.class, () -> bob.unwrap().delete(lease.nodePath(), -1));
        assertEquals(KeeperException.Code.NOAUTH, raw.code());
        SequentialLock bobsLock = SequentialLock.create(bob, PATH);
        ZkRecipeException refused = assertRefused(() -> bobsLock.acquire(Duration.ofSeconds(20)), bob, PATH);
        assertTrue(refused.getMessage().contains("CREATE"), refused.getMessage());

        assertTrue(lease.isValid(), "alice still holds the lock");
        assertEquals(List.of(ZkPaths.name(lease.nodePath())), alice.unwrap().getChildren(PATH, false),
                "bob left no node in alice's line");
        lease.close();
        assertTrue(SequentialLock.create(alice(), PATH).tryAcquire().isPresent(), "alice's other sessions still can");
    }

    @Test
    void readWriteLockAndSemaphore_refuseStrangers() throws Exception {
        ZkClient alice = alice();
        ZkClient bob = bob();
        Lease write = ReadWriteLock.create(alice, "/locks/rw").writeLock().acquire();
        Lease permit = CountingSemaphore.create(alice, "/locks/pool", 2).acquire();

        assertRefused(() -> ReadWriteLock.create(bob, "/locks/rw").readLock().acquire(Duration.ofSeconds(20)),
                bob, "/locks/rw");
        assertRefused(() -> CountingSemaphore.create(bob, "/locks/pool", 2).acquire(Duration.ofSeconds(20)),
                bob, "/locks/pool");
        assertTrue(write.isValid() && permit.isValid());
    }

    @Test
    void recipesOwnParents_getTheClientsAcl() throws Exception {
        ZkClient alice = alice();
        SequentialLock.create(alice, "/app/locks/orders").acquire().close();
        for (String parent : List.of("/app", "/app/locks", "/app/locks/orders")) {
            assertEquals(ZooDefs.Ids.CREATOR_ALL_ACL.get(0).getPerms(),
                    alice.unwrap().getACL(parent, new Stat()).get(0).getPerms(), parent);
            assertEquals("digest", alice.unwrap().getACL(parent, new Stat()).get(0).getId().getScheme(), parent);
            assertEquals(1, alice.unwrap().getACL(parent, new Stat()).size(), parent + " has only alice's entry");
        }
    }

    @Test
    void unauthenticatedClient_isRefused() throws Exception {
        ZkClient alice = alice();
        ZkClient anonymous = zk.newClient();
        Lease lease = ExclusiveLock.create(alice, PATH).acquire();
        assertRefused(() -> ExclusiveLock.create(anonymous, PATH).tryAcquire(), anonymous, PATH);
        assertRefused(() -> SequentialLock.create(anonymous, "/locks/other").tryAcquire(), anonymous, "/locks");
        assertTrue(lease.isValid());
    }

    @Test
    void logsAndToString_neverShowThePassword() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ZkClient alice = alice();
            ZkClient bob = bob();
            assertFalse(alice.toString().contains(ALICE_PASSWORD), alice.toString());
            Lease lease = ExclusiveLock.create(alice, PATH).acquire();
            assertRefused(() -> ExclusiveLock.create(bob, PATH).tryAcquire(), bob, PATH);
            alice.close(); // while holding: the lock logs the lost lease, so the capture sees real output
            assertFalse(lease.isValid());
            await("the lost lease's warning").atMost(PROMPT)
                    .until(() -> captured.toString(StandardCharsets.UTF_8).contains("Lock " + PATH + " lost"));
        } finally {
            System.setErr(original);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertFalse(logs.contains(ALICE_PASSWORD), logs);
    }

    /** The call fails at once with a NOAUTH recipe exception naming {@code path}, after few requests. */
    static ZkRecipeException assertRefused(Executable call, ZkClient caller, String path) {
        long sent = caller.requestStats().total();
        ZkRecipeException e = assertTimeoutPreemptively(PROMPT, () -> assertThrows(ZkRecipeException.class, call));
        assertEquals(KeeperException.Code.NOAUTH, e.code(), e.toString());
        assertTrue(e.getMessage().contains(path), e.getMessage());
        assertTrue(e.getMessage().contains("not authorized"), e.getMessage());
        assertTrue(caller.requestStats().total() - sent <= 4, "a refusal is not retried");
        return e;
    }
}
