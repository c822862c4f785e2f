package io.zkrecipes.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(30)
class AsyncOpsBadInputTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void badInput_failsAtOnceAndSendsNothing() {
        ZkClient client = zk.newClient();
        AsyncOps ops = Session.of(client).ops();
        long before = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> ops.getData(null, null));
        assertThrows(IllegalArgumentException.class, () -> ops.getData("relative", null));
        assertThrows(IllegalArgumentException.class, () -> ops.delete("/trailing/", -1));
        assertThrows(NullPointerException.class, () -> ops.create("/x", null, CreateMode.PERSISTENT));
        assertThrows(NullPointerException.class, () -> ops.create("/x", new byte[0], null));
        assertThrows(NullPointerException.class, () -> ops.addWatch("/x", null, AddWatchMode.PERSISTENT));
        assertThrows(NullPointerException.class, () -> ops.multi(null));
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> ops.setData("/x", new byte[client.maxDataBytes() + 1], -1));
        assertTrue(big.getMessage().contains("over the limit"), big.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ops.createOp("/x", new byte[client.maxDataBytes() + 1], CreateMode.PERSISTENT));
        assertEquals(before, client.requestStats().total());
    }

    @Test
    void multi_failsWithTheFailingOperationsCodeAndPath() throws Exception {
        ZkClient client = zk.newClient();
        AsyncOps ops = Session.of(client).ops();
        KeeperException e = assertThrows(KeeperException.class, () -> AsyncOps.join(ops.multi(List.of(
                ops.createOp("/m1", new byte[0], CreateMode.PERSISTENT), Op.check("/absent", -1)))));
        assertEquals(KeeperException.Code.NONODE, e.code());
        assertEquals("/absent", e.getPath());
        assertEquals(null, AsyncOps.join(ops.exists("/m1", null)), "nothing of a failed multi is applied");
    }

    @Test
    void getDataAll_readsSeveralNodesInOneRequest_nullForAMissingOne() throws Exception {
        ZkClient client = zk.newClient();
        AsyncOps ops = Session.of(client).ops();
        AsyncOps.join(ops.create("/all-a", new byte[] {1}, CreateMode.PERSISTENT));
        AsyncOps.join(ops.create("/all-b", new byte[] {2, 2}, CreateMode.PERSISTENT));
        long before = client.requestStats().total();
        List<AsyncOps.NodeData> read = AsyncOps.join(ops.getDataAll(List.of("/all-b", "/all-absent", "/all-a")));
        assertEquals(1, client.requestStats().total() - before, "one request for all three");
        assertEquals(3, read.size());
        assertEquals(2, read.get(0).data().length);
        assertEquals(null, read.get(1), "a missing node reads as null, the others still read");
        assertEquals(1, read.get(2).data()[0]);
        assertTrue(AsyncOps.join(ops.getDataAll(List.of())).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> ops.getDataAll(List.of("/all-a", "relative")));
        assertThrows(NullPointerException.class, () -> ops.getDataAll(null));
    }

    @Test
    void afterClose_everyEntryPointIsIllegalState() {
        ZkClient client = zk.newClient();
        AsyncOps ops = Session.of(client).ops();
        client.close();
        assertThrows(IllegalStateException.class, client::unwrap);
        assertThrows(IllegalStateException.class, () -> ops.getData("/x", null));
        assertThrows(IllegalStateException.class, () -> client.retry(() -> 1));
        assertThrows(IllegalStateException.class, () -> client.awaitConnected(Duration.ofSeconds(1)));
        assertThrows(IllegalStateException.class, client::unwrap);
        client.close();
    }
}
