package io.zkrecipes.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every recipe of the module while the server its client talks to is killed: the client moves to
 * another member with its session, and nothing is lost, doubled or re-created.
 */
@Timeout(60)
class StateEnsembleTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void clientsServerKilled_counterStaysExact_ownedNodeKept_watcherSeesTheLaterChange() throws Exception {
        ZkClient worker = zk.newClient();
        ZkClient manager = zk.newClient();
        SharedCounter counter = zk.closeAfterTest(SharedCounter.create(worker, "/ens/counter"));
        OwnedNode report = zk.closeAfterTest(OwnedNode.create(worker, "/ens/tasks/w-1", "0%".getBytes(UTF_8)));
        TreeWatcher board = zk.closeAfterTest(TreeWatcher.create(manager, "/ens/tasks"));
        report.start();
        board.start();
        assertTrue(report.awaitSynced(WAIT));
        assertTrue(board.awaitInitialized(WAIT));
        long session = worker.sessionId();
        long czxid = czxid(board, "/ens/tasks/w-1");

        Set<Long> values = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            assertTrue(values.add(counter.incrementAndGet()));
        }
        zk.killServer(zk.serverOf(worker));
        for (int i = 0; i < 20; i++) {
            assertTrue(values.add(counter.incrementAndGet()), "a value returned twice: " + values);
        }
        report.setData("100%".getBytes(UTF_8));

        assertEquals(40, counter.get(), "every increment applied once");
        assertEquals(session, worker.sessionId(), "the session moved with the client");
        await("the manager sees the report written after the kill").atMost(WAIT).until(() ->
                Optional.ofNullable(board.snapshot().get("/ens/tasks/w-1")).map(NodeState::text).orElse("")
                        .equals("100%"));
        assertEquals(czxid, czxid(board, "/ens/tasks/w-1"), "the owned node was kept, not re-created");
    }

    /** The czxid of {@code path} in the watcher's snapshot, once it is there. */
    private static long czxid(TreeWatcher board, String path) {
        return await().atMost(WAIT).until(() -> board.snapshot().get(path), s -> s != null).czxid();
    }
}
