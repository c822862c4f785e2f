package io.zkrecipes.naming;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RecipeEvents;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class ServiceDiscoveryTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void consumerCut_whileProvidersChange_convergesAfterRestore() throws Exception {
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(zk.newClient()));
        Registration a = registry.registerNow("cut", ServiceInstance.of("a", "h", 1), WAIT);
        Registration b = registry.registerNow("cut", ServiceInstance.of("b", "h", 2), WAIT);
        ZkClient consumerClient = zk.newClient();
        ServiceDiscovery consumer = Fixtures.discovery(zk, consumerClient, "cut", PickStrategy.RANDOM);
        await().atMost(WAIT).until(() -> consumer.instances().size() == 2);
        zk.cut(consumerClient);
        a.unregister();
        b.updateMetadata(Map.of("v", "2"));
        Registration c = registry.register("cut", ServiceInstance.of("c", "h", 3));
        assertTrue(b.awaitRegistered(WAIT) && c.awaitRegistered(WAIT));
        assertEquals(2, consumer.instances().size(), "a cut consumer keeps its last list");
        zk.restore(consumerClient);
        await().atMost(WAIT).until(() -> consumer.instances().equals(List.of(
                b.instance(), ServiceInstance.of("c", "h", 3))));
        assertEquals(Map.of("v", "2"), consumer.instances().get(0).metadata());
    }

    @Test
    void consumerSessionExpiry_resyncsAndKeepsFollowingChanges() throws Exception {
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(zk.newClient()));
        Registration a = registry.registerNow("exp", ServiceInstance.of("a", "h", 1), WAIT);
        ZkClient consumerClient = zk.newClient();
        ServiceDiscovery consumer = Fixtures.discovery(zk, consumerClient, "exp", PickStrategy.RANDOM);
        await().atMost(WAIT).until(() -> consumer.instances().size() == 1);
        zk.expireSession(consumerClient);
        a.updateMetadata(Map.of("v", "3"));
        registry.registerNow("exp", ServiceInstance.of("b", "h", 2), WAIT);
        await().atMost(WAIT).until(() -> consumer.instances().size() == 2
                && consumer.instances().get(0).metadata().equals(Map.of("v", "3")));
        a.unregister();
        await().atMost(WAIT).until(() -> consumer.instances().size() == 1);
    }

    @Test
    void listener_toldOfAddUpdateAndRemoveInOrder() throws Exception {
        ServiceDiscovery consumer = Fixtures.discovery(zk, "events");
        Recording events = new Recording();
        consumer.addListener(events);
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(zk.newClient()));
        Registration a = registry.registerNow("events", ServiceInstance.of("a", "h", 1), WAIT);
        await().atMost(WAIT).until(() -> events.events().size() == 1);
        a.updateMetadata(Map.of("k", "v"));
        await().atMost(WAIT).until(() -> events.events().size() == 2);
        a.unregister();
        await().atMost(WAIT).until(() -> events.events().equals(List.of("+a{}", "~a{k=v}", "-a")));
    }

    @Test
    void listenersAddedBeforeStart_areToldOfTheFirstList_offZooKeepersThreads_andJunkIsSkipped() throws Exception {
        ZkClient client = zk.newClient();
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(client));
        ServiceInstance a = ServiceInstance.of("a", "h", 1);
        registry.registerNow("first", a, WAIT);
        AsyncOps.join(Session.of(client).ops().create("/services/first/junk",
                "not an instance".getBytes(StandardCharsets.UTF_8), CreateMode.PERSISTENT));
        ZkClient consumer = zk.newClient();
        ServiceDiscovery d = zk.closeAfterTest(ServiceDiscovery.builder(consumer, "first").build());
        Recording onLane = new Recording();
        Recording direct = new Recording();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        List<Integer> seen = new CopyOnWriteArrayList<>();
        consumer.addEventListener(new RecipeEvents() {
            @Override
            public void instancesSeen(String service, int instances) {
                threads.add(Thread.currentThread().getName());
                seen.add(instances);
            }
        }, Runnable::run);
        d.addListener(onLane);
        d.addListener(new ServiceDiscovery.Listener() {
            @Override
            public void instanceAdded(ServiceInstance instance) {
                threads.add(Thread.currentThread().getName());
                direct.instanceAdded(instance);
            }
        }, Runnable::run);
        d.start();
        assertTrue(d.awaitInitialized(WAIT));
        assertEquals(List.of(a), d.instances(), "the node that is not an instance is left out");
        ServiceInstance b = ServiceInstance.of("b", "h", 2);
        registry.registerNow("first", b, WAIT);
        for (Recording r : List.of(onLane, direct)) {
            await().atMost(WAIT).until(() -> r.events().equals(List.of("+a{}", "+b{}")));
        }
        assertEquals(List.of(a, b), d.instances());
        await().atMost(WAIT).until(() -> seen.equals(List.of(1, 2)));
        assertTrue(threads.stream().noneMatch(t -> t.contains("EventThread") || t.contains("SendThread")),
                "a direct executor, for a listener or for events, runs on the library's lane: " + threads);
    }

    @Test
    void pick_byStrategy_skipsInstancesMarkedFailing() throws Exception {
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(zk.newClient()));
        for (String id : List.of("a", "b", "c")) {
            registry.registerNow("pick", ServiceInstance.of(id, "h", 1), WAIT);
        }
        ZkClient client = zk.newClient();
        ServiceDiscovery rr = Fixtures.discovery(zk, client, "pick", PickStrategy.ROUND_ROBIN);
        ServiceDiscovery sticky = Fixtures.discovery(zk, client, "pick", PickStrategy.STICKY);
        ServiceDiscovery random = Fixtures.discovery(zk, client, "pick", PickStrategy.RANDOM);
        for (ServiceDiscovery d : List.of(rr, sticky, random)) {
            await().atMost(WAIT).until(() -> d.instances().size() == 3);
        }
        List<String> turns = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            turns.add(rr.pick().orElseThrow().id());
        }
        assertEquals(new HashSet<>(turns.subList(0, 3)), Set.of("a", "b", "c"));
        assertEquals(turns.subList(0, 3), turns.subList(3, 6));
        ServiceInstance stuck = sticky.pick().orElseThrow();
        for (int i = 0; i < 10; i++) {
            assertEquals(stuck, sticky.pick().orElseThrow());
        }
        sticky.markFailing(stuck, Duration.ofMinutes(1));
        ServiceInstance next = sticky.pick().orElseThrow();
        assertTrue(!next.equals(stuck));
        random.markFailing(ServiceInstance.of("a", "h", 1), Duration.ofMinutes(1));
        random.markFailing(ServiceInstance.of("b", "h", 1), Duration.ofMillis(200));
        for (int i = 0; i < 20; i++) {
            assertEquals("c", random.pick().orElseThrow().id());
        }
        await().atMost(WAIT).until(() -> random.pick().orElseThrow().id().equals("b"));
        random.markFailing(ServiceInstance.of("c", "h", 1), Duration.ofMinutes(1));
        random.markFailing(ServiceInstance.of("b", "h", 1), Duration.ofMinutes(1));
        assertEquals(Optional.empty(), random.pick());
    }

    @Test
    void badInputAndUseAfterClose() throws Exception {
        ZkClient client = zk.newClient();
        assertThrows(IllegalArgumentException.class, () -> ServiceDiscovery.builder(client, "a/b"));
        assertThrows(IllegalArgumentException.class, () -> ServiceDiscovery.builder(client, ""));
        assertThrows(NullPointerException.class, () -> ServiceDiscovery.builder(client, null));
        assertThrows(NullPointerException.class, () -> ServiceDiscovery.builder(client, "s").strategy(null));
        assertThrows(IllegalArgumentException.class, () -> ServiceDiscovery.builder(client, "s").basePath("x"));
        assertThrows(IllegalArgumentException.class, () -> ServiceInstance.of("a", "h", 0));
        assertThrows(IllegalArgumentException.class, () -> ServiceInstance.of("a", "h", 65536));
        assertThrows(IllegalArgumentException.class, () -> ServiceInstance.of("a", "h", -1));
        assertThrows(NullPointerException.class, () -> ServiceInstance.of("a", null, 80));
        assertThrows(IllegalArgumentException.class, () -> ServiceInstance.of("a", " ", 80));
        assertThrows(IllegalArgumentException.class, () -> ServiceInstance.of("a/b", "h", 80));
        assertThrows(NullPointerException.class, () -> new ServiceInstance("a", "h", 80, null));
        ServiceDiscovery d = ServiceDiscovery.builder(client, "s").build();
        assertThrows(IllegalStateException.class, d::instances, "not started");
        d.start();
        assertThrows(IllegalStateException.class, d::start);
        ServiceInstance any = ServiceInstance.of("a", "h", 80);
        assertThrows(IllegalArgumentException.class, () -> d.markFailing(any, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> d.markFailing(null, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> d.awaitInitialized(Duration.ofSeconds(-1)));
        d.close();
        d.close();
        assertThrows(IllegalStateException.class, d::pick);
        assertThrows(IllegalStateException.class, () -> d.markFailing(any, Duration.ofSeconds(1)));
        assertThrows(IllegalStateException.class, () -> d.addListener(new Recording()));
    }
}
