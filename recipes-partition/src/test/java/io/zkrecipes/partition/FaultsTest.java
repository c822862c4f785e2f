package io.zkrecipes.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The failure-model rows on one server, and a churn of every kind of fault under the history check. */
@Timeout(90)
class FaultsTest {
    private static final String PATH = "/jobs/shards";
    /** Sessions that outlive the cuts of these tests by far. */
    private static final Duration CUT_SESSION = Duration.ofSeconds(6);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void sessionExpiry_revokesFirst_thenTheMemberRejoinsWithLargerTokens() {
        Group group = new Group(zk, PATH, 12);
        group.join("a");
        group.join("b");
        group.join("c");
        group.awaitStable();
        Map<String, Long> before = group.get("a").owned();
        group.expire("a");
        group.awaitStable();
        Map<String, Long> after = group.get("a").owned();
        assertEquals(before.keySet(), after.keySet(), "the same member id gets the same share back");
        after.forEach((p, token) -> assertTrue(token > before.get(p), "a new ownership has a larger token"));
    }

    /**
     * The fixture's expiry closes the session on the server at once, before the client can notice
     * its connection is gone, which a real expiry cannot do (the server waits a whole session
     * timeout, the client notices within two thirds of it). The others may then start before the
     * member's revocation is told, so only the tokens are checked: they still grow.
     */
    @Test
    void instantExpiryOnTheServer_tokensStillGrow_andTheMemberRejoins() {
        Group group = new Group(zk, PATH, 12);
        group.join("a");
        group.join("b");
        group.awaitStable();
        Map<String, Long> before = group.get("a").owned();
        zk.expireSession(group.client("a"));
        group.awaitStableOnly();
        group.ledger.assertTokensGrow();
        group.get("a").owned().forEach((p, token) -> assertTrue(token > before.get(p)));
    }

    @Test
    void connectionCut_revokesAtOnce_nobodyElseTakesThem_andTheyResumeWithTheirTokens() {
        Group group = new Group(zk, PATH, 12).sessionTimeout(CUT_SESSION);
        group.join("a");
        group.join("b");
        group.awaitStable();
        Map<String, Long> before = group.get("a").owned();
        Map<String, Long> othersBefore = group.get("b").owned();
        zk.cut(group.client("a"));
        await("revoked while cut").atMost(Duration.ofSeconds(2)).until(() -> group.ledger.heldBy("a").isEmpty());
        assertTrue(group.get("a").owned().isEmpty());
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> group.get("b").owned().equals(othersBefore));
        zk.restore(group.client("a"));
        group.awaitStable();
        assertEquals(before, group.get("a").owned(), "the nodes were still ours: same partitions, same tokens");
    }

    @Test
    void keepWhileSuspended_keepsPartitionsThroughACut() {
        Group group = new Group(zk, PATH, 6).sessionTimeout(CUT_SESSION);
        group.join("a", b -> b.keepWhileSuspended(true));
        group.join("b");
        group.awaitStable();
        Map<String, Long> before = group.get("a").owned();
        long grants = group.ledger.grants();
        zk.cut(group.client("a"));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> group.get("a").owned().equals(before));
        zk.restore(group.client("a"));
        group.awaitStable();
        assertEquals(before, group.get("a").owned());
        assertEquals(grants, group.ledger.grants(), "nothing was revoked or granted again");
    }

    @Test
    void serverRestart_everyoneResumes() {
        Group group = new Group(zk, PATH, 10);
        group.join("a");
        group.join("b");
        group.awaitStable();
        zk.killServer(0);
        await("all revoked while the server is down").atMost(Duration.ofSeconds(5))
                .until(() -> group.ledger.owners().isEmpty());
        zk.restartServer(0);
        group.awaitStable();
    }

    @Test
    void churn_neverTwoOwners_tokensGrow() {
        Group group = new Group(zk, PATH, 12);
        for (String id : new String[] {"a", "b", "c", "d"}) {
            group.join(id);
        }
        group.awaitStable();
        group.kill("a");
        group.awaitStable();
        group.join("e");
        group.awaitStable();
        group.expire("b");
        group.awaitStable();
        zk.cut(group.client("c"));
        group.join("f");
        zk.restore(group.client("c"));
        group.awaitStable();
        group.kill("d");
        group.expire("e");
        group.awaitStable();
        group.leave("f");
        group.join("a");
        group.awaitStable();
        assertTrue(group.ledger.grants() > 24, "partitions moved many times: " + group.ledger.grants());
    }
}
