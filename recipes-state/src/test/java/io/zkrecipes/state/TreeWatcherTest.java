package io.zkrecipes.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TreeWatcherTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    static final String ROOT = "/tree";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    private static TreeWatcher started(TreeWatcher.Builder builder, TreeRecorder r) throws InterruptedException {
        TreeWatcher w = zk.closeAfterTest(builder.build());
        w.addListener(r);
        w.start();
        assertTrue(w.awaitInitialized(WAIT));
        return w;
    }

    static void create(ZooKeeper z, String path, String data) throws Exception {
        z.create(path, data.getBytes(UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    }

    static Op createOp(String path, String data) {
        return Op.create(path, data.getBytes(UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    }

    /** Every node under {@code root} on the server, with its mzxid. */
    static Map<String, Long> serverTree(ZooKeeper z, String root) throws Exception {
        Map<String, Long> out = new HashMap<>();
        Stat s = new Stat();
        try {
            z.getData(root, false, s);
            out.put(root, s.getMzxid());
            for (String child : z.getChildren(root, false)) {
                out.putAll(serverTree(z, root + "/" + child));
            }
        } catch (KeeperException.NoNodeException gone) {
            // deleted while we walked: absent
        }
        return out;
    }

    static Map<String, Long> mzxids(Map<String, NodeState> snapshot) {
        return snapshot.values().stream().collect(Collectors.toMap(NodeState::path, NodeState::mzxid));
    }

    private static void awaitConverged(TreeWatcher w, TreeRecorder r, ZooKeeper writer) throws Exception {
        Map<String, Long> server = serverTree(writer, ROOT);
        await().atMost(WAIT).until(() -> mzxids(w.snapshot()).equals(server));
        await().atMost(WAIT).until(() -> mzxids(r.view()).equals(server));
        assertEquals(List.of(), r.violations());
    }

    @Test
    void start_snapshotsTheSubtreeThenReportsAddedChangedRemoved() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        create(writer, ROOT, "r");
        create(writer, ROOT + "/a", "a");
        create(writer, ROOT + "/a/x", "x");
        create(writer, ROOT + "/b", "b");
        TreeRecorder r = new TreeRecorder();
        TreeWatcher w = started(TreeWatcher.builder(zk.newClient(), ROOT), r);
        assertEquals(Set.of(ROOT, ROOT + "/a", ROOT + "/a/x", ROOT + "/b"), w.snapshot().keySet());
        assertEquals("x", w.snapshot().get(ROOT + "/a/x").text());
        await().atMost(WAIT).until(() -> !r.updates().isEmpty());
        TreeUpdate initial = r.updates().get(0);
        assertTrue(initial.initial());
        assertEquals(4, initial.events().size());
        assertTrue(initial.events().stream().allMatch(e -> e.type() == TreeEvent.Type.ADDED));

        writer.multi(List.of(createOp(ROOT + "/c", "c"), Op.setData(ROOT + "/a", "a2".getBytes(UTF_8), -1),
                Op.delete(ROOT + "/a/x", -1)));
        awaitConverged(w, r, writer);
        TreeUpdate multi = r.updates().stream().filter(u -> u.events().stream()
                .anyMatch(e -> e.path().equals(ROOT + "/c"))).findFirst().orElseThrow();
        Map<String, TreeEvent.Type> types = multi.events().stream()
                .collect(Collectors.toMap(TreeEvent::path, TreeEvent::type));
        assertEquals(Map.of(ROOT + "/c", TreeEvent.Type.ADDED, ROOT + "/a", TreeEvent.Type.CHANGED,
                ROOT + "/a/x", TreeEvent.Type.REMOVED), types, "one transaction, one update");

        writer.delete(ROOT + "/b", -1);
        awaitConverged(w, r, writer);
        assertEquals(Set.of(ROOT, ROOT + "/a", ROOT + "/c"), w.snapshot().keySet());
    }

    @Test
    void maxDepth_leavesOutDeeperNodes() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        create(writer, ROOT, "");
        create(writer, ROOT + "/a", "a");
        create(writer, ROOT + "/a/x", "x");
        TreeRecorder r = new TreeRecorder();
        TreeWatcher w = started(TreeWatcher.builder(zk.newClient(), ROOT).maxDepth(1), r);
        assertEquals(Set.of(ROOT, ROOT + "/a"), w.snapshot().keySet());
        create(writer, ROOT + "/a/y", "y");
        writer.setData(ROOT + "/a", "a2".getBytes(UTF_8), -1);
        await().atMost(WAIT).until(() -> "a2".equals(w.snapshot().get(ROOT + "/a").text()));
        assertEquals(Set.of(ROOT, ROOT + "/a"), w.snapshot().keySet());
        assertTrue(r.updates().stream().flatMap(u -> u.events().stream()).noneMatch(e -> e.path().contains("/a/")));
        assertEquals(List.of(), r.violations());
    }

    @Test
    void thousandRapidChangesAcrossTheTree_convergeAndNeverGoBack() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        create(writer, ROOT, "");
        create(writer, ROOT + "/p", "");
        TreeRecorder r = new TreeRecorder();
        TreeWatcher w = started(TreeWatcher.builder(zk.newClient(), ROOT), r);
        List<String> leaves = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leaves.add(ROOT + "/k" + i);
            leaves.add(ROOT + "/p/q" + i);
        }
        Set<String> present = new HashSet<>();
        for (int i = 0; i < 1000; i++) { // pipelined: the session applies them in order
            String path = leaves.get(i % leaves.size());
            byte[] data = Integer.toString(i).getBytes(UTF_8);
            if (!present.contains(path)) {
                writer.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, (rc, p, c, n) -> { }, null);
                present.add(path);
            } else if (i % 3 == 0) {
                writer.delete(path, -1, (rc, p, c) -> { }, null);
                present.remove(path);
            } else {
                writer.setData(path, data, -1, (rc, p, c, s) -> { }, null);
            }
        }
        awaitConverged(w, r, writer);
        for (String leaf : leaves) {
            NodeWatcherTest.assertStrictlyIncreasing(r.mzxids(leaf));
        }
    }

    @Test
    void connectionCut_resyncDeliversExactlyTheDifferences() throws Exception {
        ZkClient watching = zk.newClient();
        ZooKeeper writer = zk.newClient().unwrap();
        TreeRecorder r = new TreeRecorder();
        TreeWatcher w = quietTree(writer, watching, r);

        zk.cut(watching);
        changeWhileAway(writer);
        zk.restore(watching);

        awaitConverged(w, r, writer);
        assertExactlyTheDifferences(r);
    }

    @Test
    void sessionExpiry_resyncDeliversExactlyTheDifferences() throws Exception {
        ZkClient watching = zk.newClient();
        ZooKeeper writer = zk.newClient().unwrap();
        TreeRecorder r = new TreeRecorder();
        TreeWatcher w = quietTree(writer, watching, r);
        long session = watching.sessionId();
        watching.unwrap().create("/alive", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);

        zk.cut(watching);
        changeWhileAway(writer);
        // the server expires the session while the connection is cut: its ephemeral node goes
        await().atMost(WAIT).until(() -> writer.exists("/alive", false) == null);
        zk.restore(watching);
        await().atMost(WAIT).until(() -> watching.isConnected() && watching.sessionId() != session);

        awaitConverged(w, r, writer);
        assertExactlyTheDifferences(r);
        create(writer, ROOT + "/after", "");
        await().atMost(WAIT).until(() -> w.snapshot().containsKey(ROOT + "/after"));
    }

    @Test
    void sessionExpiresDuringChanges_resyncsToTheFinalTree() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        writer.multi(List.of(createOp(ROOT, ""), createOp(ROOT + "/a", ""), createOp(ROOT + "/b", "")));
        ZkClient watching = zk.newClient();
        TreeRecorder r = new TreeRecorder();
        TreeWatcher w = started(TreeWatcher.builder(watching, ROOT), r);

        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> a = CompletableFuture.runAsync(() -> NodeWatcherTest.churn(writer, ROOT + "/a", stop));
        CompletableFuture<Void> b = CompletableFuture.runAsync(() -> NodeWatcherTest.churn(writer, ROOT + "/b", stop));
        await().atMost(WAIT).until(() -> r.updates().size() > 20);
        zk.expireSession(watching);
        await().atMost(WAIT).until(() -> r.updates().size() > 40); // and changes go on on the new session
        stop.set(true);
        CompletableFuture.allOf(a, b).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        awaitConverged(w, r, writer);
        NodeWatcherTest.assertStrictlyIncreasing(r.mzxids(ROOT + "/a"));
        NodeWatcherTest.assertStrictlyIncreasing(r.mzxids(ROOT + "/b"));
    }

    private static TreeWatcher quietTree(ZooKeeper writer, ZkClient watching, TreeRecorder r) throws Exception {
        List<Op> ops = new ArrayList<>(List.of(createOp(ROOT, ""), createOp(ROOT + "/sub", ""),
                createOp(ROOT + "/sub/c", "")));
        for (int i = 0; i < 20; i++) {
            ops.add(createOp(ROOT + "/k" + i, "v"));
        }
        writer.multi(ops);
        TreeWatcher w = started(TreeWatcher.builder(watching, ROOT), r);
        await().atMost(WAIT).until(() -> r.updates().size() == 1);
        return w;
    }

    private static void changeWhileAway(ZooKeeper writer) throws Exception {
        writer.setData(ROOT + "/k1", "changed".getBytes(UTF_8), -1);
        writer.delete(ROOT + "/k2", -1);
        writer.delete(ROOT + "/k3", -1);
        create(writer, ROOT + "/k3", "v"); // same data, same version 0: only the zxids tell
        create(writer, ROOT + "/new", "");
        writer.delete(ROOT + "/sub/c", -1);
        writer.delete(ROOT + "/sub", -1);
    }

    private static void assertExactlyTheDifferences(TreeRecorder r) {
        Map<String, TreeEvent.Type> seen = new HashMap<>();
        r.updates().stream().skip(1).flatMap(u -> u.events().stream()).forEach(e -> seen.put(e.path(), e.type()));
        assertEquals(Map.of(ROOT + "/k1", TreeEvent.Type.CHANGED, ROOT + "/k2", TreeEvent.Type.REMOVED,
                ROOT + "/k3", TreeEvent.Type.CHANGED, ROOT + "/new", TreeEvent.Type.ADDED,
                ROOT + "/sub", TreeEvent.Type.REMOVED, ROOT + "/sub/c", TreeEvent.Type.REMOVED), seen);
    }

    @Test
    void serverRestart_changesAfterwardsAreSeen() throws Exception {
        ZkClient writing = zk.newClient();
        create(writing.unwrap(), ROOT, "");
        create(writing.unwrap(), ROOT + "/a", "1");
        TreeRecorder r = new TreeRecorder();
        TreeWatcher w = started(TreeWatcher.builder(zk.newClient(), ROOT), r);

        zk.killServer(0);
        zk.restartServer(0);
        writing.awaitConnected(WAIT);
        writing.retry(() -> writing.unwrap().setData(ROOT + "/a", "2".getBytes(UTF_8), -1));
        writing.retry(() -> writing.unwrap().create(ROOT + "/b", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT));

        awaitConverged(w, r, writing.unwrap());
        assertEquals("2", w.snapshot().get(ROOT + "/a").text());
    }

    @Test
    void awaitCaughtUp_ownWritesAreInTheSnapshotOnReturn() throws Exception {
        ZkClient client = zk.newClient();
        create(client.unwrap(), ROOT, "");
        TreeWatcher w = started(TreeWatcher.builder(client, ROOT), new TreeRecorder());
        for (int i = 0; i < 50; i++) {
            String path = ROOT + "/n" + i;
            // an asynchronous write, as the recipes make them: its reply comes after its notification
            Session.of(client).ops().create(path, Integer.toString(i).getBytes(UTF_8), CreateMode.PERSISTENT)
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(w.awaitCaughtUp(WAIT));
            assertEquals(Integer.toString(i), w.snapshot().get(path).text());
        }
    }

    @Test
    void listeners_neverRunOnZooKeepersThreads_onTheirOwnLaneOrADirectExecutor() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        create(writer, ROOT, "");
        TreeWatcher w = zk.closeAfterTest(TreeWatcher.create(zk.newClient(), ROOT));
        Set<String> laneThreads = ConcurrentHashMap.newKeySet();
        Set<String> directThreads = ConcurrentHashMap.newKeySet();
        AtomicInteger laneUpdates = new AtomicInteger();
        AtomicInteger directUpdates = new AtomicInteger();
        w.addListener(u -> {
            laneThreads.add(Thread.currentThread().getName());
            laneUpdates.incrementAndGet();
        });
        w.addListener(u -> {
            directThreads.add(Thread.currentThread().getName());
            directUpdates.incrementAndGet();
        }, Runnable::run);
        w.start();
        assertTrue(w.awaitInitialized(WAIT));
        for (int i = 0; i < 20; i++) {
            create(writer, ROOT + "/n" + i, "");
            int seen = i + 2; // the initial update, then one per create
            await().atMost(WAIT).until(() -> laneUpdates.get() == seen && directUpdates.get() == seen);
        }
        for (String name : union(laneThreads, directThreads)) {
            assertTrue(!name.contains("EventThread") && !name.contains("SendThread"), "listener ran on " + name);
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void subtreeOverTheLimit_failsClearlyNamingTheLimitAndTheCount() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        List<Op> ops = new ArrayList<>(List.of(createOp(ROOT, "")));
        for (int i = 0; i < 10; i++) {
            ops.add(createOp(ROOT + "/p" + i, ""));
            for (int j = 0; j < 10; j++) {
                ops.add(createOp(ROOT + "/p" + i + "/c" + j, ""));
            }
        }
        writer.multi(ops); // 111 nodes
        TreeWatcher w = zk.closeAfterTest(TreeWatcher.builder(zk.newClient(), ROOT).maxNodes(50).build());
        w.start();
        TreeTooLargeException e = assertThrows(TreeTooLargeException.class, () -> w.awaitInitialized(WAIT));
        assertEquals(50, e.limit());
        assertTrue(e.count() > 50 && e.count() <= 111, e.getMessage());
        assertTrue(e.getMessage().contains("50") && e.getMessage().contains(ROOT) && e.getMessage().contains("maxNodes"),
                e.getMessage());
        assertThrows(TreeTooLargeException.class, w::snapshot);
    }

    @Test
    void growthPastTheLimit_stopsTheWatcherClearly() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        writer.multi(List.of(createOp(ROOT, ""), createOp(ROOT + "/a", ""), createOp(ROOT + "/b", "")));
        TreeWatcher w = started(TreeWatcher.builder(zk.newClient(), ROOT).maxNodes(4), new TreeRecorder());
        create(writer, ROOT + "/c", "");
        await().atMost(WAIT).until(() -> w.snapshot().size() == 4);
        create(writer, ROOT + "/d", "");
        TreeTooLargeException e = await().atMost(WAIT).until(() -> {
            try {
                w.snapshot();
                return null;
            } catch (TreeTooLargeException failed) {
                return failed;
            }
        }, f -> f != null);
        assertEquals(4, e.limit());
        assertEquals(5, e.count());
    }

    @Test
    void badInput_isRejectedBeforeAnythingIsSent() throws Exception {
        ZkClient client = zk.newClient();
        long sent = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> TreeWatcher.create(null, ROOT));
        assertThrows(NullPointerException.class, () -> TreeWatcher.create(client, null));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> TreeWatcher.create(client, "tree"));
        assertTrue(bad.getMessage().contains("root"), bad.getMessage());
        bad = assertThrows(IllegalArgumentException.class, () -> TreeWatcher.builder(client, ROOT).maxDepth(-1));
        assertTrue(bad.getMessage().contains("maxDepth"), bad.getMessage());
        bad = assertThrows(IllegalArgumentException.class, () -> TreeWatcher.builder(client, ROOT).maxNodes(0));
        assertTrue(bad.getMessage().contains("maxNodes"), bad.getMessage());
        TreeWatcher w = zk.closeAfterTest(TreeWatcher.create(client, ROOT));
        assertThrows(NullPointerException.class, () -> w.addListener(null));
        assertThrows(NullPointerException.class, () -> w.addListener(u -> { }, null));
        assertEquals(sent, client.requestStats().total(), "nothing sent");
        w.start();
        assertThrows(IllegalArgumentException.class, () -> w.awaitInitialized(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> w.awaitCaughtUp(Duration.ofMillis(-1)));
        assertTrue(w.awaitInitialized(WAIT));
        assertEquals(Map.of(), w.snapshot(), "an absent root is an empty tree");
    }

    @Test
    void useAfterClose_throwsIllegalStateAndStopsUpdates() throws Exception {
        ZooKeeper writer = zk.newClient().unwrap();
        create(writer, ROOT, "");
        TreeRecorder r = new TreeRecorder();
        TreeWatcher w = TreeWatcher.create(zk.newClient(), ROOT);
        assertThrows(IllegalStateException.class, w::snapshot, "not started");
        w.addListener(r);
        w.start();
        assertTrue(w.awaitInitialized(WAIT));
        await().atMost(WAIT).until(() -> r.updates().size() == 1);
        w.close();
        w.close();
        create(writer, ROOT + "/late", "");
        assertThrows(IllegalStateException.class, w::snapshot);
        assertThrows(IllegalStateException.class, w::start);
        assertThrows(IllegalStateException.class, () -> w.awaitInitialized(Duration.ZERO));
        assertThrows(IllegalStateException.class, () -> w.awaitCaughtUp(Duration.ZERO));
        assertThrows(IllegalStateException.class, () -> w.addListener(u -> { }));
        TreeWatcher after = started(TreeWatcher.builder(zk.newClient(), ROOT), new TreeRecorder());
        assertTrue(after.snapshot().containsKey(ROOT + "/late"));
        assertEquals(1, r.updates().size(), "no update after close");
    }
}
