package io.zkrecipes.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeWatcherTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String PATH = "/node";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    private static NodeWatcher started(ZkClient client, NodeWatcher.Listener... listeners) throws InterruptedException {
        NodeWatcher w = zk.closeAfterTest(NodeWatcher.create(client, PATH));
        for (NodeWatcher.Listener l : listeners) {
            w.addListener(l);
        }
        w.start();
        assertTrue(w.awaitInitialized(WAIT));
        return w;
    }

    private static void create(ZooKeeper zk, String path, String data) throws Exception {
        zk.create(path, data.getBytes(UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    }

    private static Stat stat(ZooKeeper zk, String path) throws Exception {
        Stat s = new Stat();
        zk.getData(path, false, s);
        return s;
    }

    /** The watcher's state, once it has the write {@code expected} describes. */
    private static void awaitState(NodeRecorder r, NodeWatcher w, Stat expected) {
        await().atMost(WAIT).until(() -> r.seen() != null && r.seen().mzxid() == expected.getMzxid());
        await().atMost(WAIT).until(() -> w.current().map(NodeState::mzxid).orElse(0L) == expected.getMzxid());
        assertEquals(expected.getCzxid(), w.current().orElseThrow().czxid());
    }

    @Test
    void start_deliversTheCurrentStateThenEveryChange() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        create(writer, PATH, "a");
        NodeRecorder r = new NodeRecorder();
        NodeWatcher w = started(zk.newClient(), r);
        assertEquals("a", w.current().orElseThrow().text());
        await().atMost(WAIT).until(() -> r.seen() != null);

        writer.setData(PATH, "b".getBytes(UTF_8), -1);
        await().atMost(WAIT).until(() -> "b".equals(r.seen().text()));
        writer.delete(PATH, -1);
        await().atMost(WAIT).until(() -> r.seen() == null);
        assertEquals(Optional.empty(), w.current());
        create(writer, PATH, "c");
        await().atMost(WAIT).until(() -> r.seen() != null && "c".equals(r.seen().text()));
        assertEquals(0, r.seen().version(), "a re-created node starts again at version 0");
        assertEquals(Arrays.asList("a", "b", null, "c"),
                r.states().stream().map(s -> s == null ? null : s.text()).toList());
        assertEquals(List.of(), r.violations());
    }

    @Test
    void absentNode_isReportedWhenCreatedAndWhenRemoved() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        NodeRecorder r = new NodeRecorder();
        NodeWatcher w = started(zk.newClient(), r);
        assertEquals(Optional.empty(), w.current());
        create(writer, PATH, "x");
        await().atMost(WAIT).until(() -> r.seen() != null);
        assertEquals(stat(writer, PATH).getCzxid(), w.current().orElseThrow().czxid());
        writer.delete(PATH, -1);
        await().atMost(WAIT).until(() -> r.states().size() == 2 && r.seen() == null);
        assertEquals(List.of(), r.violations());
    }

    @Test
    void thousandRapidChangesWithDeletesAndRecreates_convergeAndArriveInZxidOrder() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        create(writer, PATH, "0");
        long firstCzxid = stat(writer, PATH).getCzxid();
        ZkClient watching = zk.newClient();
        NodeRecorder quick = new NodeRecorder();
        NodeRecorder slow = new NodeRecorder();
        ExecutorService slowLane = Executors.newSingleThreadExecutor();
        NodeWatcher w = zk.closeAfterTest(NodeWatcher.create(watching, PATH));
        w.addListener(quick);
        w.addListener((before, after) -> {
            sleepQuietly(); // a listener slower than the changes: they are coalesced for it
            slow.nodeChanged(before, after);
        }, slowLane);
        w.start();
        assertTrue(w.awaitInitialized(WAIT));

        for (int i = 1; i <= 1000; i++) {
            byte[] data = Integer.toString(i).getBytes(UTF_8);
            if (i % 10 == 0) { // pipelined: the session applies them in order
                writer.delete(PATH, -1, (rc, p, ctx) -> { }, null);
                writer.create(PATH, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
                        (rc, p, ctx, name) -> { }, null);
            } else {
                writer.setData(PATH, data, -1, (rc, p, ctx, s) -> { }, null);
            }
        }
        Stat last = stat(writer, PATH);
        assertTrue(last.getCzxid() > firstCzxid);

        awaitState(quick, w, last);
        awaitState(slow, w, last);
        assertEquals("1000", w.current().orElseThrow().text());
        for (NodeRecorder r : List.of(quick, slow)) {
            assertEquals(List.of(), r.violations());
            assertStrictlyIncreasing(r.mzxids());
        }
        assertEquals(1, watching.requestStats().count(RequestStats.Type.ADD_WATCH), "one watch, never set again");
        slowLane.shutdownNow();
    }

    @Test
    void sessionExpiresDuringChanges_resyncsToTheFinalState() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        create(writer, PATH, "0");
        ZkClient watching = zk.newClient();
        NodeRecorder r = new NodeRecorder();
        NodeWatcher w = started(watching, r);

        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> changes = CompletableFuture.runAsync(() -> churn(writer, PATH, stop));
        await().atMost(WAIT).until(() -> r.states().size() > 20);
        long session = watching.sessionId();
        zk.expireSession(watching);
        assertTrue(watching.sessionId() != session);
        stop.set(true);
        changes.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (writer.exists(PATH, false) == null) {
            create(writer, PATH, "final");
        }
        Stat last = stat(writer, PATH);

        awaitState(r, w, last);
        assertEquals(List.of(), r.violations());
        assertStrictlyIncreasing(r.mzxids());
        long watches = watching.requestStats().count(RequestStats.Type.ADD_WATCH);
        // one per session, plus at most one more when a reconnection races the new session's first watch
        assertTrue(watches >= 2 && watches <= 3, "watches set: " + watches + ", for " + r.states().size() + " changes");
    }

    @Test
    void connectionCut_aDeleteAndRecreateToTheSameVersionIsSeen() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        create(writer, PATH, "same");
        ZkClient watching = zk.newClient();
        NodeRecorder r = new NodeRecorder();
        NodeWatcher w = started(watching, r);
        await().atMost(WAIT).until(() -> r.seen() != null);
        NodeState before = w.current().orElseThrow();

        zk.cut(watching);
        writer.delete(PATH, -1);
        create(writer, PATH, "same"); // same data, same version 0: only the czxid tells
        assertEquals(Optional.of(before), w.current(), "the last state is kept while cut");
        zk.restore(watching);

        Stat now = stat(writer, PATH);
        awaitState(r, w, now);
        assertEquals(0, w.current().orElseThrow().version());
        assertTrue(w.current().orElseThrow().czxid() > before.czxid());
        assertEquals(List.of(), r.violations());
    }

    @Test
    void serverRestart_changesAfterwardsAreSeen() throws Exception {
        ZkClient writing = zk.newClient();
        create(writing.unwrap(), PATH, "1");
        NodeRecorder r = new NodeRecorder();
        NodeWatcher w = started(zk.newClient(), r);
        await().atMost(WAIT).until(() -> r.seen() != null);

        zk.killServer(0);
        zk.restartServer(0);
        writing.awaitConnected(WAIT);
        writing.retry(() -> writing.unwrap().setData(PATH, "2".getBytes(UTF_8), -1));
        Stat now = stat(writing.unwrap(), PATH);

        awaitState(r, w, now);
        assertEquals("2", w.current().orElseThrow().text());
        assertEquals(List.of(), r.violations());
    }

    @Test
    void badInput_isRejectedBeforeAnythingIsSent() throws Exception {
        ZkClient client = zk.newClient();
        long sent = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> NodeWatcher.create(null, PATH));
        assertThrows(NullPointerException.class, () -> NodeWatcher.create(client, null));
        for (String bad : List.of("", "node", "/node/", "/a//b")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NodeWatcher.create(client, bad));
            assertTrue(e.getMessage().contains("path"), e.getMessage());
        }
        NodeWatcher w = zk.closeAfterTest(NodeWatcher.create(client, PATH));
        assertThrows(NullPointerException.class, () -> w.addListener(null));
        assertThrows(NullPointerException.class, () -> w.addListener((a, b) -> { }, null));
        w.start();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> w.awaitInitialized(Duration.ofSeconds(-1)));
        assertTrue(e.getMessage().contains("timeout"), e.getMessage());
        assertTrue(w.awaitInitialized(WAIT));
        assertEquals(sent + 2, client.requestStats().total(), "only the watch and the read");
    }

    @Test
    void useAfterClose_throwsIllegalStateAlsoToACallWaitingInIt() throws Exception {
        ZkClient client = zk.newClient();
        NodeWatcher w = NodeWatcher.create(client, PATH);
        assertThrows(IllegalStateException.class, w::current, "not started");
        assertThrows(IllegalStateException.class, () -> w.awaitInitialized(Duration.ZERO), "not started");
        zk.cut(client);
        w.start(); // its reads fail while cut: it cannot initialize
        assertThrows(IllegalStateException.class, w::start, "started twice");
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return w.awaitInitialized(WAIT);
            } catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
        });
        w.close();
        w.close();
        ExecutionException ended = assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        assertTrue(ended.getCause() instanceof IllegalStateException, ended.toString());
        zk.restore(client);
        assertThrows(IllegalStateException.class, w::current);
        assertThrows(IllegalStateException.class, w::start);
        assertThrows(IllegalStateException.class, () -> w.awaitInitialized(Duration.ZERO));
        assertThrows(IllegalStateException.class, () -> w.addListener((a, b) -> { }));
    }

    /** Sets, deletes and re-creates the node until stopped, one change at a time. */
    static void churn(ZooKeeper writer, String path, AtomicBoolean stop) {
        List<KeeperException> failures = new ArrayList<>();
        for (int i = 1; !stop.get(); i++) {
            try {
                byte[] data = Integer.toString(i).getBytes(UTF_8);
                if (i % 7 == 0) {
                    writer.delete(path, -1);
                } else if (i % 7 == 1 && i > 1) {
                    writer.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                } else {
                    writer.setData(path, data, -1);
                }
            } catch (KeeperException e) {
                failures.add(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertEquals(List.of(), failures);
    }

    static void assertStrictlyIncreasing(List<Long> zxids) {
        for (int i = 1; i < zxids.size(); i++) {
            assertTrue(zxids.get(i) > zxids.get(i - 1), "mzxids out of order at " + i + ": " + zxids);
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1); // slows the listener; nothing waits on it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
