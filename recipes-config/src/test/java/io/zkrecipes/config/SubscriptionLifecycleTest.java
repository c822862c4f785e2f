package io.zkrecipes.config;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class SubscriptionLifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    static {
        ServerWatches.enable();
    }

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void tenThousandSubscribeCloseCycles_leaveWatchesAndMemoryFlat() throws Exception {
        ConfigStore store = zk.closeAfterTest(ConfigStore.create(zk.newClient(), "/config/app"));
        store.put("k", "v");
        int start = ServerWatches.total(zk.connectString());
        ConfigSubscription anchor = store.subscribe(u -> { });
        assertEquals(start + 1, ServerWatches.total(zk.connectString()), "one watch for the store");

        AtomicInteger delivered = new AtomicInteger();
        List<WeakReference<ConfigListener>> samples = new ArrayList<>();
        long began = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            ConfigListener listener = u -> delivered.incrementAndGet();
            if (i % 500 == 0) {
                samples.add(new WeakReference<>(listener));
            }
            store.subscribe(listener).close();
        }
        long micros = (System.nanoTime() - began) / 1000 / 10_000;
        assertTrue(micros < 2_000, "a local subscribe/close cycle took " + micros + " µs");
        assertEquals(start + 1, ServerWatches.total(zk.connectString()), "cycles share the store's watch");

        anchor.close();
        assertEquals(start, ServerWatches.total(zk.connectString()), "the last close removes the watch");
        await().atMost(WAIT).until(() -> {
            System.gc();
            return samples.stream().allMatch(ref -> ref.get() == null);
        });
    }

    @Test
    void firstAndLastSubscriptions_addAndRemoveTheWatch() throws Exception {
        ConfigStore store = zk.closeAfterTest(ConfigStore.create(zk.newClient(), "/config/app"));
        int start = ServerWatches.total(zk.connectString());
        for (int i = 0; i < 100; i++) {
            Recorder r = new Recorder();
            ConfigSubscription s = store.subscribe(r);
            assertEquals(start + 1, ServerWatches.total(zk.connectString()));
            s.close();
            s.close();
            assertEquals(start, ServerWatches.total(zk.connectString()));
        }
        store.put("k", "after"); // the store still works without subscribers, reading ZooKeeper
        assertEquals("after", store.get("k").orElseThrow());
    }

    @Test
    void twoStoresOnOneClientAndRoot_closingOneLeavesTheOtherFollowing() throws Exception {
        ZkClient client = zk.newClient();
        ConfigStore first = zk.closeAfterTest(ConfigStore.create(client, "/config/app"));
        ConfigStore second = zk.closeAfterTest(ConfigStore.create(client, "/config/app"));
        ConfigStore writer = zk.closeAfterTest(ConfigStore.create(zk.newClient(), "/config/app"));
        int start = ServerWatches.total(zk.connectString());
        ConfigSubscription s1 = first.subscribe(u -> { });
        Recorder r = new Recorder();
        ConfigSubscription s2 = second.subscribe(r);
        assertEquals(start + 1, ServerWatches.total(zk.connectString()), "one watch per session and root");

        s1.close();
        writer.put("k", "1");
        await().atMost(WAIT).until(() -> "1".equals(r.values().get("k")));
        await().atMost(WAIT).until(() -> ServerWatches.total(zk.connectString()) == start + 1);
        writer.put("k", "2");
        await().atMost(WAIT).until(() -> "2".equals(r.values().get("k")));
        assertEquals(List.of(), r.violations());

        s2.close();
        assertEquals(start, ServerWatches.total(zk.connectString()));
    }

    @Test
    void closingTheStore_removesTheWatchAndStopsUpdates() throws Exception {
        ConfigStore store = ConfigStore.create(zk.newClient(), "/config/app");
        ConfigStore writer = zk.closeAfterTest(ConfigStore.create(zk.newClient(), "/config/app"));
        int start = ServerWatches.total(zk.connectString());
        Recorder r = new Recorder();
        ConfigSubscription s = store.subscribe(r);
        writer.put("k", "1");
        await().atMost(WAIT).until(() -> "1".equals(r.values().get("k")));
        store.close();
        assertEquals(start, ServerWatches.total(zk.connectString()));
        s.close();
        int seen = r.updates().size();
        writer.put("k", "2");
        assertEquals("2", writer.get("k").orElseThrow());
        assertEquals(seen, r.updates().size());
    }
}
