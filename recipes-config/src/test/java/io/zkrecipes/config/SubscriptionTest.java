package io.zkrecipes.config;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.StateRecorder;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class SubscriptionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String ROOT = "/config/app";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    private static ConfigStore storeOn(ZkClient client) {
        return zk.closeAfterTest(ConfigStore.create(client, ROOT));
    }

    @Test
    void subscribe_deliversSnapshotThenChanges() throws Exception {
        ConfigStore store = storeOn(zk.newClient());
        store.putAll(Map.of("a", "1", "b", "2"));
        Recorder r = new Recorder();
        store.subscribe(r);
        await().atMost(WAIT).until(() -> r.values().equals(Map.of("a", "1", "b", "2")));
        assertTrue(r.updates().get(0).initial());

        store.put("a", "10");
        store.remove("b");
        store.put("c", "3");
        await().atMost(WAIT).until(() -> r.values().equals(Map.of("a", "10", "c", "3")));
        assertEquals(List.of("1", "10"), r.history("a"));
        assertEquals(java.util.Arrays.asList("2", null), r.history("b"));
        assertEquals(List.of(), r.violations());
    }

    @Test
    void readsOfASubscribedStore_seeItsOwnWritesAtOnce() throws Exception {
        ConfigStore store = storeOn(zk.newClient());
        store.subscribe(u -> { });
        for (int i = 0; i < 50; i++) {
            store.put("k", "v" + i);
            assertEquals("v" + i, store.get("k").orElseThrow());
        }
        store.putAll(Map.of("x", "1", "y", "2"));
        assertEquals(Map.of("k", "v49", "x", "1", "y", "2"), store.snapshot());
        store.remove("x");
        assertEquals(Map.of("k", "v49", "y", "2"), store.snapshot());
    }

    @Test
    void twentySubscribers_rapidUpdates_endWithTheFinalValueAndNeverGoBack() throws Exception {
        ConfigStore publisher = storeOn(zk.newClient());
        publisher.put("hot", "0");
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Recorder r = new Recorder();
            storeOn(zk.newClient()).subscribe(r);
            recorders.add(r);
        }
        for (int i = 1; i <= 500; i++) {
            publisher.put("hot", Integer.toString(i));
        }
        for (Recorder r : recorders) {
            await().atMost(WAIT).until(() -> "500".equals(r.values().get("hot")));
            assertEquals(List.of(), r.violations());
            List<Integer> seen = r.history("hot").stream().map(Integer::parseInt).toList();
            for (int j = 1; j < seen.size(); j++) {
                assertTrue(seen.get(j) > seen.get(j - 1), "went backwards: " + seen);
            }
        }
    }

    @Test
    void putAll_isNeverSeenInPart() throws Exception {
        ConfigStore writer = storeOn(zk.newClient());
        ConfigStore other = storeOn(zk.newClient());
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Recorder r = new Recorder();
            storeOn(zk.newClient()).subscribe(r);
            recorders.add(r);
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread noise = new Thread(() -> {
            try {
                for (int i = 0; !stop.get(); i++) {
                    other.put("noise", Integer.toString(i)); // interleaves single writes with the batches
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        noise.start();
        try {
            for (int i = 1; i <= 150; i++) {
                String v = Integer.toString(i);
                writer.putAll(Map.of("a", v, "b", v, "c", v));
            }
        } finally {
            stop.set(true);
            noise.join();
        }
        for (Recorder r : recorders) {
            await().atMost(WAIT).until(() -> "150".equals(r.values().get("c")));
            assertEquals(List.of(), r.violations());
            for (ConfigUpdate u : r.updates()) {
                Map<String, String> s = u.snapshot();
                if (s.containsKey("a") || s.containsKey("b") || s.containsKey("c")) {
                    assertTrue(s.get("a") != null && s.get("a").equals(s.get("b")) && s.get("b").equals(s.get("c")),
                            "half a transaction seen: " + s);
                }
            }
        }
    }

    @Test
    void connectionCut_changesMeanwhileAreSeenAfterRestore() throws Exception {
        ZkClient subscriberClient = zk.newClient();
        ConfigStore writer = storeOn(zk.newClient());
        writer.putAll(Map.of("updated", "1", "deleted", "2", "recreated", "3", "same", "4"));
        ConfigStore subscriberStore = storeOn(subscriberClient);
        Recorder r = new Recorder();
        subscriberStore.subscribe(r);
        await().atMost(WAIT).until(() -> r.values().size() == 4);
        long oldCzxid = r.entry("recreated").czxid();

        zk.cut(subscriberClient);
        changeWhileAway(writer);
        assertEquals("1", subscriberStore.get("updated").orElseThrow()); // last known value while away
        zk.restore(subscriberClient);

        assertConverged(r, writer, subscriberStore, oldCzxid);
    }

    @Test
    void sessionExpiry_changesMeanwhileAreSeenOnTheNewSession() throws Exception {
        ZkClient subscriberClient = zk.newClient();
        ConfigStore writer = storeOn(zk.newClient());
        writer.putAll(Map.of("updated", "1", "deleted", "2", "recreated", "3", "same", "4"));
        ConfigStore subscriberStore = storeOn(subscriberClient);
        Recorder r = new Recorder();
        subscriberStore.subscribe(r);
        await().atMost(WAIT).until(() -> r.values().size() == 4);
        long oldCzxid = r.entry("recreated").czxid();
        long session = subscriberClient.sessionId();
        subscriberClient.unwrap().create("/alive", new byte[0], subscriberClient.aclFor("/alive"),
                CreateMode.EPHEMERAL);
        StateRecorder states = StateRecorder.attach(subscriberClient);

        zk.cut(subscriberClient);
        changeWhileAway(writer);
        ZkClient watcher = zk.newClient();
        // the server expires the session while the connection is cut: its ephemeral node goes
        await().atMost(WAIT).until(() -> watcher.unwrap().exists("/alive", false) == null);
        zk.restore(subscriberClient);
        states.awaitStates(WAIT, ConnectionState.LOST, ConnectionState.RECONNECTED);
        assertNotEquals(session, subscriberClient.sessionId());

        assertConverged(r, writer, subscriberStore, oldCzxid);
        writer.put("after", "5"); // the watch is back on the new session
        await().atMost(WAIT).until(() -> "5".equals(r.values().get("after")));
    }

    @Test
    void expireSessionHelper_subscriptionKeepsFollowing() throws Exception {
        ZkClient subscriberClient = zk.newClient();
        ConfigStore writer = storeOn(zk.newClient());
        ConfigStore subscriberStore = storeOn(subscriberClient);
        Recorder r = new Recorder();
        subscriberStore.subscribe(r);
        writer.put("k", "1");
        await().atMost(WAIT).until(() -> "1".equals(r.values().get("k")));
        zk.expireSession(subscriberClient);
        writer.put("k", "2");
        await().atMost(WAIT).until(() -> "2".equals(r.values().get("k")));
        assertEquals(List.of(), r.violations());
    }

    private static void changeWhileAway(ConfigStore writer) throws InterruptedException {
        writer.put("updated", "1b");
        writer.remove("deleted");
        writer.remove("recreated");
        writer.put("recreated", "3b");
    }

    private static void assertConverged(Recorder r, ConfigStore writer, ConfigStore subscriberStore, long oldCzxid)
            throws InterruptedException {
        Map<String, String> server = writer.snapshot();
        assertEquals(Map.of("updated", "1b", "recreated", "3b", "same", "4"), server);
        await().atMost(WAIT).until(() -> r.values().equals(server));
        await().atMost(WAIT).until(() -> subscriberStore.snapshot().equals(server));
        assertEquals(List.of(), r.violations());
        assertEquals(List.of("1", "1b"), r.history("updated"));
        assertEquals(java.util.Arrays.asList("2", null), r.history("deleted"));
        assertEquals(List.of("3", "3b"), r.history("recreated"));
        assertEquals(List.of("4"), r.history("same"));
        assertTrue(r.entry("recreated").czxid() > oldCzxid, "recreated key has a new czxid");
        assertEquals(0, r.entry("recreated").version());
    }
}
