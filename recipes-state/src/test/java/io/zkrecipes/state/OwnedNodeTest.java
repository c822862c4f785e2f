package io.zkrecipes.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.RequestStats.Type;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.StateRecorder;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class OwnedNodeTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String PARENT = "/workers";
    private static final String PATH = "/workers/w1";

    /** What a listener was told, as short strings: created, recreated, lost, held 0x... */
    static final class Events implements OwnedNode.Listener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void created(long sessionId) {
            seen.add("created");
        }

        @Override
        public void recreated(long sessionId) {
            seen.add("recreated");
        }

        @Override
        public void lost() {
            seen.add("lost");
        }

        @Override
        public void heldByAnother(long ownerSessionId) {
            seen.add("held 0x" + Long.toHexString(ownerSessionId));
        }
    }

    @Test
    void start_createsTheNodeInTheOwnersSession_andCloseDeletesIt() throws Exception {
        ZkClient client = zk.newClient();
        Events events = new Events();
        OwnedNode node = OwnedNode.create(client, PATH, bytes("starting"));
        node.addListener(events);
        node.start();
        assertTrue(node.awaitSynced(WAIT));
        assertTrue(node.isOwned());
        Stat stat = new Stat();
        assertArrayEquals(bytes("starting"), client.unwrap().getData(PATH, false, stat));
        assertEquals(client.sessionId(), stat.getEphemeralOwner());
        await().atMost(WAIT).until(() -> events.seen.equals(List.of("created")));
        node.close();
        assertNull(client.unwrap().exists(PATH, false), "deleted before close returned (same session, ordered)");
        assertFalse(node.isOwned());
        assertEquals(List.of("created"), events.seen, "closing is not a loss");
    }

    @Test
    void sessionExpiry_reCreatesOnceWithTheLatestData() throws Exception {
        ZkClient client = zk.newClient();
        ZkClient observer = zk.newClient();
        Events events = new Events();
        OwnedNode node = started(client, bytes("v1"), events);
        node.setData(bytes("v2"));
        assertTrue(node.awaitSynced(WAIT));
        long czxid = observer.unwrap().exists(PATH, false).getCzxid();
        long creates = client.requestStats().count(Type.CREATE);
        zk.expireSession(client);
        await().atMost(WAIT).until(() -> events.seen.equals(List.of("created", "lost", "recreated")));
        assertTrue(node.awaitSynced(WAIT));
        Stat stat = new Stat();
        assertArrayEquals(bytes("v2"), observer.unwrap().getData(PATH, false, stat));
        assertEquals(client.sessionId(), stat.getEphemeralOwner());
        assertNotEquals(czxid, stat.getCzxid(), "a new node");
        assertEquals(creates + 1, client.requestStats().count(Type.CREATE), "one re-creation");
        node.close();
    }

    @Test
    void sessionLostWhileCut_reCreatedWithTheLastReportMadeMeanwhile() throws Exception {
        ZkClient client = zk.newClient();
        ZkClient observer = zk.newClient();
        OwnedNode node = started(client, bytes("v1"), new Events());
        long writes = client.requestStats().count(Type.SET_DATA);
        try (StateRecorder states = StateRecorder.attach(client)) {
            zk.cut(client);
            node.setData(bytes("while away 1"));
            states.awaitState(ConnectionState.LOST, WAIT); // cut for longer than the session timeout
            assertFalse(node.isOwned());
            node.setData(bytes("while away 2"));
            zk.restore(client);
        }
        assertTrue(node.awaitSynced(WAIT));
        Stat stat = new Stat();
        assertArrayEquals(bytes("while away 2"), observer.unwrap().getData(PATH, false, stat));
        assertEquals(client.sessionId(), stat.getEphemeralOwner());
        assertEquals(writes, client.requestStats().count(Type.SET_DATA), "the latest data came with the create");
        node.close();
    }

    @Test
    void closed_isNotReCreatedAfterItsSessionExpires() throws Exception {
        ZkClient client = zk.newClient();
        ZkClient observer = zk.newClient();
        OwnedNode node = started(client, bytes("v1"), new Events());
        node.close();
        long creates = client.requestStats().count(Type.CREATE);
        zk.expireSession(client);
        await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> observer.unwrap().exists(PATH, false) == null);
        assertEquals(creates, client.requestStats().count(Type.CREATE));
    }

    @Test
    void secondOwner_isToldWhoHoldsThePath_andTakesOverWhenThatNodeGoes() throws Exception {
        ZkClient first = zk.newClient();
        ZkClient second = zk.newClient();
        OwnedNode holder = started(first, bytes("first"), new Events());
        Events events = new Events();
        OwnedNode waiting = OwnedNode.create(second, PATH, bytes("second"));
        waiting.addListener(events);
        waiting.start();
        String held = "held 0x" + Long.toHexString(first.sessionId());
        await().atMost(WAIT).until(() -> events.seen.equals(List.of(held)));
        assertEquals(OptionalLong.of(first.sessionId()), waiting.heldByAnother());
        assertFalse(waiting.awaitSynced(Duration.ofMillis(300)));
        holder.setData(bytes("first, progress"));
        assertTrue(holder.awaitSynced(WAIT));
        assertArrayEquals(bytes("first, progress"), second.unwrap().getData(PATH, false, null),
                "the holder's node is neither overwritten nor deleted");
        holder.close();
        assertTrue(waiting.awaitSynced(WAIT));
        Stat stat = new Stat();
        assertArrayEquals(bytes("second"), first.unwrap().getData(PATH, false, stat));
        assertEquals(second.sessionId(), stat.getEphemeralOwner());
        // listeners run on their own lane: being synced does not mean the listener has run yet
        await().atMost(WAIT).until(() -> events.seen.equals(List.of(held, "created")));
        assertEquals(OptionalLong.empty(), waiting.heldByAnother());
        waiting.close();
    }

    @Test
    void secondOwner_takesOverWhenTheHoldersProcessDies_andClosingAWaiterLeavesTheHolderAlone() throws Exception {
        ZkClient first = zk.newClient();
        ZkClient second = zk.newClient();
        ZkClient third = zk.newClient();
        started(first, bytes("first"), new Events());
        OwnedNode quitter = OwnedNode.create(third, PATH, bytes("third"));
        quitter.start();
        await().atMost(WAIT).until(() -> quitter.heldByAnother().isPresent());
        quitter.close();
        assertEquals(first.sessionId(), second.unwrap().exists(PATH, false).getEphemeralOwner(),
                "a waiter that gives up deletes nothing");
        OwnedNode waiting = OwnedNode.create(second, PATH, bytes("second"));
        waiting.start();
        await().atMost(WAIT).until(() -> waiting.heldByAnother().isPresent());
        first.close(); // a killed process: its session ends, its node with it
        assertTrue(waiting.awaitSynced(WAIT));
        assertEquals(second.sessionId(), third.unwrap().exists(PATH, false).getEphemeralOwner());
        waiting.close();
    }

    @Test
    void secondOwnerOnTheSameClient_waitsInsteadOfAdoptingTheFirstOnesNode() throws Exception {
        ZkClient client = zk.newClient();
        OwnedNode first = started(client, bytes("first"), new Events());
        OwnedNode second = zk.closeAfterTest(OwnedNode.create(client, PATH, bytes("second")));
        second.start();
        await().atMost(WAIT).until(() -> second.heldByAnother().equals(OptionalLong.of(client.sessionId())));
        assertFalse(second.isOwned());
        first.close();
        assertTrue(second.awaitSynced(WAIT));
        assertArrayEquals(bytes("second"), client.unwrap().getData(PATH, false, null));
    }

    @Test
    void nodeDeletedBySomeoneElse_isCreatedAgainAtTheNextReport() throws Exception {
        ZkClient client = zk.newClient();
        ZkClient observer = zk.newClient();
        Events events = new Events();
        OwnedNode node = started(client, bytes("v1"), events);
        observer.unwrap().delete(PATH, -1);
        node.setData(bytes("v2"));
        await().atMost(WAIT).until(() -> events.seen.equals(List.of("created", "lost", "recreated")));
        assertTrue(node.awaitSynced(WAIT));
        Stat stat = new Stat();
        assertArrayEquals(bytes("v2"), observer.unwrap().getData(PATH, false, stat));
        assertEquals(client.sessionId(), stat.getEphemeralOwner());
    }

    @Test
    void setDataWhileCut_onlyTheLastReportIsWrittenOnceReconnected() throws Exception {
        ZkClient client = zk.newClient();
        OwnedNode node = started(client, bytes("v0"), new Events());
        long writes = client.requestStats().count(Type.SET_DATA);
        long creates = client.requestStats().count(Type.CREATE);
        zk.cut(client);
        for (int i = 1; i <= 5; i++) {
            node.setData(bytes("v" + i));
        }
        assertTrue(node.isOwned(), "the session is alive: the node is still ours");
        assertFalse(node.isSynced());
        zk.restore(client);
        assertTrue(node.awaitSynced(WAIT));
        assertArrayEquals(bytes("v5"), client.unwrap().getData(PATH, false, null));
        assertEquals(writes + 1, client.requestStats().count(Type.SET_DATA), "one write, of the last report");
        assertEquals(creates, client.requestStats().count(Type.CREATE));
        node.close();
    }

    @Test
    void connectionCutWithTheSessionAlive_noReCreation_watchersSeeOnlyTheDataChange() throws Exception {
        ZkClient client = zk.newClient();
        ZkClient observer = zk.newClient();
        Events events = new Events();
        OwnedNode node = started(client, bytes("v0"), events);
        long czxid = observer.unwrap().exists(PATH, false).getCzxid();
        List<EventType> seen = new CopyOnWriteArrayList<>();
        observer.unwrap().addWatch(PATH, e -> seen.add(e.getType()), AddWatchMode.PERSISTENT);
        zk.cut(client);
        node.setData(bytes("v1"));
        zk.restore(client);
        assertTrue(node.awaitSynced(WAIT));
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> seen.equals(List.of(EventType.NodeDataChanged)));
        assertEquals(czxid, observer.unwrap().exists(PATH, false).getCzxid(), "the same node");
        await().atMost(WAIT).until(() -> events.seen.equals(List.of("created")));
        node.close();
    }

    @Test
    void lostCreateReply_leavesExactlyOneNode() throws Exception {
        ZkClient client = zk.newClient();
        client.unwrap().create(PARENT, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        Events events = new Events();
        OwnedNode node = OwnedNode.create(client, PATH, bytes("v1"));
        node.addListener(events);
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, OpCode.create2);
        node.start();
        dropped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(node.awaitSynced(WAIT));
        assertEquals(List.of("w1"), client.unwrap().getChildren(PARENT, false));
        Stat stat = new Stat();
        assertArrayEquals(bytes("v1"), client.unwrap().getData(PATH, false, stat));
        assertEquals(client.sessionId(), stat.getEphemeralOwner(), "the node that landed was adopted");
        await().atMost(WAIT).until(() -> events.seen.equals(List.of("created")));
        node.close();
        assertEquals(List.of(), client.unwrap().getChildren(PARENT, false));
    }

    @Test
    void lostCreateReplyThenClose_leavesNoOrphan() throws Exception {
        ZkClient client = zk.newClient();
        ZkClient observer = zk.newClient();
        client.unwrap().create(PARENT, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        OwnedNode node = OwnedNode.create(client, PATH, bytes("v1"));
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, OpCode.create2);
        node.start();
        dropped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        node.close(); // the create's fate is unknown to the client
        long session = client.sessionId();
        await().during(Duration.ofMillis(500)).atMost(WAIT)
                .until(() -> observer.unwrap().getChildren(PARENT, false).isEmpty());
        assertEquals(session, client.sessionId(), "removed by the cleanup path, not by an expiry");
    }

    @Test
    void serverRestart_nodeBackWithTheLatestData() throws Exception {
        ZkClient client = zk.newClient();
        OwnedNode node = started(client, bytes("v1"), new Events());
        zk.killServer(0);
        node.setData(bytes("during the restart"));
        zk.restartServer(0);
        assertTrue(node.awaitSynced(WAIT));
        ZkClient observer = zk.newClient();
        Stat stat = new Stat();
        assertArrayEquals(bytes("during the restart"), observer.unwrap().getData(PATH, false, stat));
        assertEquals(client.sessionId(), stat.getEphemeralOwner());
        assertEquals(List.of("w1"), observer.unwrap().getChildren(PARENT, false));
        node.close();
    }

    @Test
    void blockedAwait_endsWithIllegalStateWhenTheNodeOrItsClientIsClosed() throws Exception {
        ZkClient client = zk.newClient();
        zk.cut(client);
        OwnedNode node = OwnedNode.create(client, PATH, bytes("v1"));
        node.start();
        Future<Boolean> waiting = CompletableFuture.supplyAsync(() -> awaitQuietly(node));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> !waiting.isDone());
        node.close();
        assertInstanceOf(IllegalStateException.class, failureWithinASecond(waiting));

        OwnedNode other = OwnedNode.create(client, "/workers/w2", bytes("v1"));
        other.start();
        Future<Boolean> alsoWaiting = CompletableFuture.supplyAsync(() -> awaitQuietly(other));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> !alsoWaiting.isDone());
        client.close();
        assertInstanceOf(IllegalStateException.class, failureWithinASecond(alsoWaiting));
    }

    @Test
    void badInput_isRefusedAtOnceAndSendsNothing() throws Exception {
        ZkClient client = zk.newClient();
        long sent = client.requestStats().total();
        byte[] data = bytes("v1");
        byte[] tooBig = new byte[client.maxDataBytes() + 1];
        assertThrows(NullPointerException.class, () -> OwnedNode.create(null, PATH, data));
        assertThrows(NullPointerException.class, () -> OwnedNode.create(client, null, data));
        assertThrows(NullPointerException.class, () -> OwnedNode.create(client, PATH, null));
        for (String bad : List.of("", "w1", "/", "/w1/", "/a//b", "/a/./b")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OwnedNode.create(client, bad, data), bad);
            assertTrue(e.getMessage().startsWith("path"), e.getMessage());
        }
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> OwnedNode.create(client, PATH, tooBig));
        assertTrue(big.getMessage().contains("bytes"), big.getMessage());
        OwnedNode node = OwnedNode.create(client, PATH, data);
        assertThrows(NullPointerException.class, () -> node.setData(null));
        assertThrows(IllegalArgumentException.class, () -> node.setData(tooBig));
        assertArrayEquals(data, node.data(), "a refused report changes nothing");
        data[0] = 'x';
        assertArrayEquals(bytes("v1"), node.data(), "the data was copied");
        assertThrows(NullPointerException.class, () -> node.addListener(null));
        assertThrows(NullPointerException.class, () -> node.addListener(new Events(), null));
        assertThrows(IllegalArgumentException.class, () -> node.awaitSynced(Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> node.awaitSynced(null));
        assertEquals(sent, client.requestStats().total(), "nothing sent for bad input, nor by making a node");
        node.close();
    }

    @Test
    void useAfterClose_throwsIllegalState() throws Exception {
        ZkClient client = zk.newClient();
        OwnedNode latent = OwnedNode.create(client, PATH, bytes("v1"));
        assertThrows(IllegalStateException.class, () -> latent.awaitSynced(WAIT), "not started");
        latent.close();
        assertThrows(IllegalStateException.class, latent::start);
        OwnedNode node = started(client, bytes("v1"), new Events());
        assertThrows(IllegalStateException.class, node::start, "started twice");
        node.close();
        node.close();
        assertThrows(IllegalStateException.class, node::start);
        assertThrows(IllegalStateException.class, () -> node.setData(bytes("v2")));
        assertThrows(IllegalStateException.class, () -> node.awaitSynced(WAIT));
        assertThrows(IllegalStateException.class, () -> node.addListener(new Events()));
        assertFalse(node.isOwned());
        assertFalse(node.isSynced());
        assertNull(client.unwrap().exists(PATH, false));
        client.close();
        assertThrows(IllegalStateException.class, () -> OwnedNode.create(client, PATH, bytes("v1")));
    }

    // ---- helpers ----

    private static OwnedNode started(ZkClient client, byte[] data, Events events) throws InterruptedException {
        OwnedNode node = zk.closeAfterTest(OwnedNode.create(client, PATH, data));
        node.addListener(events);
        node.start();
        assertTrue(node.awaitSynced(WAIT), "created");
        return node;
    }

    private static boolean awaitQuietly(OwnedNode node) {
        try {
            return node.awaitSynced(Duration.ofMinutes(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Throwable failureWithinASecond(Future<?> call) throws Exception {
        try {
            call.get(1, TimeUnit.SECONDS);
            throw new AssertionError("returned instead of throwing");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }
}
