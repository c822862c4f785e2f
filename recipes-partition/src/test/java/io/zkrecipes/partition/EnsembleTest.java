package io.zkrecipes.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A 3-node ensemble: a member's server dies, and the quorum is lost for longer than the sessions. */
@Timeout(90)
class EnsembleTest {
    private static final String PATH = "/jobs/shards";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    void serverOfAMemberKilled_itResumesOnAnotherServer_withItsTokens() {
        Group group = new Group(zk, PATH, 9);
        group.join("a");
        group.join("b");
        group.join("c");
        group.awaitStable();
        Map<String, Long> before = group.get("a").owned();
        zk.killServer(zk.serverOf(group.client("a")));
        group.awaitStable();
        assertEquals(before, group.get("a").owned(), "same session, same nodes: same partitions and tokens");
    }

    @Test
    void quorumLost_everyoneRevokes_callsTimeOut_andTheGroupRecovers() throws Exception {
        Group group = new Group(zk, PATH, 9);
        group.join("a");
        group.join("b");
        group.awaitStable();
        zk.stopAll();
        await("all revoked without a quorum").atMost(Duration.ofSeconds(5)).until(() -> group.ledger.owners().isEmpty());
        long start = System.nanoTime();
        ZkRecipeException e = assertThrows(ZkRecipeException.class,
                () -> group.get("a").setPartitions(List.of("x", "y"), Duration.ofMillis(500)));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(3).toNanos(), "the timeout held");
        assertTrue(e.getMessage().contains(PATH), e.getMessage());
        assertTrue(!group.get("b").awaitBalanced(Duration.ofMillis(200)));
        zk.startAll();
        // the timed-out write waited in a's queue; if a's old session is still alive when the
        // quorum returns, it is applied before that session closes: its outcome is unknown
        List<String> stored = group.awaitStableOnTheStoredSet();
        assertTrue(stored.equals(List.of("x", "y")) || stored.equals(PartitionSet.numbered(9, 1 << 20)), stored.toString());
    }
}
