package io.zkrecipes.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A subtree of 50,000 nodes: over the default guard it fails clearly; within a raised one it loads whole. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TreeWatcherLargeTest {
    private static final String ROOT = "/big";
    private static final int NODES = 50_000;

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void fiftyThousandNodes_failClearlyUnderTheDefaultGuardAndLoadWithinARaisedOne() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        writer.multi(List.of(TreeWatcherTest.createOp(ROOT, "")));
        for (int batch = 0; batch < NODES / 1000; batch++) {
            List<Op> ops = new ArrayList<>(1000);
            for (int i = 0; i < 1000; i++) {
                ops.add(TreeWatcherTest.createOp(String.format("%s/n%05d", ROOT, batch * 1000 + i), ""));
            }
            writer.multi(ops);
        }

        ZkClient guarded = zk.newClient();
        TreeWatcher byDefault = zk.closeAfterTest(TreeWatcher.create(guarded, ROOT));
        byDefault.start();
        TreeTooLargeException e = assertThrows(TreeTooLargeException.class,
                () -> byDefault.awaitInitialized(Duration.ofSeconds(30)));
        assertEquals(TreeWatcher.DEFAULT_MAX_NODES, e.limit());
        assertEquals(NODES + 1, e.count(), e.getMessage());
        assertTrue(e.getMessage().contains("10000") && e.getMessage().contains(Long.toString(NODES + 1)), e.getMessage());
        assertEquals(0, guarded.requestStats().count(RequestStats.Type.GET_CHILDREN), "failed before listing");

        ZkClient raised = zk.newClient();
        TreeWatcher whole = zk.closeAfterTest(TreeWatcher.builder(raised, ROOT).maxNodes(NODES + 1).build());
        whole.start();
        assertTrue(whole.awaitInitialized(Duration.ofSeconds(60)));
        assertEquals(NODES + 1, whole.snapshot().size());
        assertEquals(1, raised.requestStats().count(RequestStats.Type.GET_CHILDREN), "one listing");
        assertEquals(NODES + 1, raised.requestStats().count(RequestStats.Type.GET_DATA), "one read per node");
    }
}
