package io.zkrecipes.naming;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.StateRecorder;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(90)
class ServiceRegistryTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ServiceInstance P1 = ServiceInstance.of("p1", "10.0.0.1", 8080);

    @Test
    void providerSessionExpiry_leavesEveryConsumerThenReturnsOnceWithLatestMetadata() throws Exception {
        ZkClient provider = zk.newClient();
        Registration reg = zk.closeAfterTest(ServiceRegistry.create(provider)).register("orders", P1);
        reg.updateMetadata(Map.of("v", "2"));
        assertTrue(reg.awaitRegistered(WAIT));
        List<Recording> consumers = consumers("orders", 3);
        long creates = provider.requestStats().count(RequestStats.Type.CREATE);
        zk.expireSession(provider);
        for (Recording events : consumers) {
            await().atMost(WAIT).until(() -> events.containsInOrder("-p1", "+p1{v=2}"));
        }
        assertTrue(reg.awaitRegistered(WAIT));
        assertEquals(creates + 1, provider.requestStats().count(RequestStats.Type.CREATE), "one re-registration");
    }

    @Test
    void providerClosed_goneFromEveryConsumer() throws Exception {
        ZkClient provider = zk.newClient();
        ServiceRegistry.create(provider).registerNow("orders", P1, WAIT);
        List<ServiceDiscovery> consumers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ServiceDiscovery d = Fixtures.discovery(zk, "orders");
            await().atMost(WAIT).until(() -> d.instances().size() == 1);
            consumers.add(d);
        }
        provider.close(); // a killed process: its session ends, its ephemeral nodes with it
        for (ServiceDiscovery d : consumers) {
            await().atMost(WAIT).until(() -> d.instances().isEmpty());
        }
    }

    @Test
    void unregisterRacingSessionExpiry_goneForGood() throws Exception {
        ZkClient provider = zk.newClient();
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(provider));
        ServiceDiscovery consumer = Fixtures.discovery(zk, "race");
        // unregister from another thread while the expiry is caused
        Registration first = registry.registerNow("race", ServiceInstance.of("a", "h", 1), WAIT);
        CompletableFuture<Void> concurrent = CompletableFuture.runAsync(first::unregister);
        zk.expireSession(provider);
        concurrent.get();
        // unregister the moment LOST arrives, while the registry re-registers
        Registration second = registry.registerNow("race", ServiceInstance.of("b", "h", 2), WAIT);
        provider.addListener((c, state) -> {
            if (state == ConnectionState.LOST) {
                CompletableFuture.runAsync(second::unregister);
            }
        });
        zk.expireSession(provider);
        await().during(Duration.ofMillis(1500)).atMost(WAIT).until(() -> consumer.instances().isEmpty()
                && !Fixtures.exists(provider, first.path()) && !Fixtures.exists(provider, second.path()));
        assertTrue(registry.registrations().isEmpty());
    }

    @Test
    void registerWhileUnreachable_completedWhenTheEnsembleReturns() throws Exception {
        ZkClient provider = zk.newClient();
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(provider));
        ServiceDiscovery consumer = Fixtures.discovery(zk, "late");
        zk.cut(provider);
        Registration reg = registry.register("late", P1);
        assertFalse(reg.isRegistered());
        ZkRecipeException failFast = assertThrows(ZkRecipeException.class,
                () -> registry.registerNow("late", ServiceInstance.of("p2", "h", 9), Duration.ofMillis(300)));
        assertTrue(failFast.getMessage().contains("p2"), failFast.getMessage());
        zk.restore(provider);
        assertTrue(reg.awaitRegistered(WAIT));
        await().atMost(WAIT).until(() -> consumer.instances().equals(List.of(P1)));
    }

    @Test
    void sameInstanceIdHeldByAnotherProcess_registerNowFailsAndTakesOverWhenItGoes() throws Exception {
        ZkClient holder = zk.newClient();
        ServiceRegistry first = ServiceRegistry.create(holder);
        first.registerNow("dup", P1, WAIT);
        ServiceRegistry second = zk.closeAfterTest(ServiceRegistry.create(zk.newClient()));
        ZkRecipeException e = assertThrows(ZkRecipeException.class,
                () -> second.registerNow("dup", P1, Duration.ofSeconds(2)));
        assertEquals(KeeperException.Code.NODEEXISTS, e.code());
        Registration waiting = second.register("dup", P1.withMetadata(Map.of("who", "second")));
        holder.close();
        assertTrue(waiting.awaitRegistered(WAIT));
    }

    @Test
    void eightProvidersRegisterConcurrently_everyConsumerSeesAll() throws Exception {
        List<CompletableFuture<Registration>> regs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(zk.newClient()));
            ServiceInstance instance = ServiceInstance.of("p" + i, "10.0.0." + i, 9000 + i);
            regs.add(CompletableFuture.supplyAsync(() -> registry.register("many", instance)));
        }
        List<ServiceDiscovery> consumers = List.of(Fixtures.discovery(zk, "many"), Fixtures.discovery(zk, "many"));
        for (CompletableFuture<Registration> r : regs) {
            assertTrue(r.get().awaitRegistered(WAIT));
        }
        for (ServiceDiscovery d : consumers) {
            await().atMost(WAIT).until(() -> d.instances().size() == 8);
        }
        regs.get(3).get().unregister();
        for (ServiceDiscovery d : consumers) {
            await().atMost(WAIT).until(() -> d.instances().size() == 7
                    && d.instances().stream().noneMatch(i -> i.id().equals("p3")));
        }
    }

    @Test
    void badInputAndUseAfterClose() throws Exception {
        ZkClient client = zk.newClient();
        ServiceRegistry registry = ServiceRegistry.create(client);
        for (String bad : List.of("", ".", "..", "a/b", "-x", "has space", "x".repeat(201))) {
            assertThrows(IllegalArgumentException.class, () -> registry.register(bad, P1), bad);
        }
        assertThrows(NullPointerException.class, () -> registry.register(null, P1));
        assertThrows(NullPointerException.class, () -> registry.register("s", null));
        String tooBig = "x".repeat(client.maxDataBytes());
        assertThrows(IllegalArgumentException.class, () -> registry.register("s", P1.withMetadata(Map.of("k", tooBig))));
        assertThrows(IllegalArgumentException.class, () -> registry.registerNow("s", P1, Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> ServiceRegistry.create(client, "services"));
        assertEquals(0, client.requestStats().count(RequestStats.Type.CREATE), "nothing sent for bad input");
        Registration reg = registry.registerNow("s", P1, WAIT);
        assertThrows(IllegalStateException.class, () -> registry.register("s", P1), "registered twice");
        assertThrows(IllegalArgumentException.class, () -> reg.updateMetadata(Map.of("k", tooBig)));
        assertEquals(P1, reg.instance(), "a refused update changes nothing");
        reg.unregister();
        reg.unregister();
        assertThrows(IllegalStateException.class, () -> reg.updateMetadata(Map.of()));
        assertThrows(IllegalStateException.class, () -> reg.awaitRegistered(WAIT), "unregistered");
        assertFalse(reg.isRegistered());
        assertFalse(Fixtures.exists(client, reg.path()));
        registry.close();
        assertThrows(IllegalStateException.class, () -> registry.register("s", P1));
        client.close();
        assertThrows(IllegalStateException.class, () -> ServiceRegistry.create(client));
    }

    @Test
    void registrationCutAndRestored_staysWithoutReRegistering() throws Exception {
        ZkClient provider = zk.newClient();
        Registration reg = zk.closeAfterTest(ServiceRegistry.create(provider)).registerNow("stay", P1, WAIT);
        ServiceDiscovery consumer = Fixtures.discovery(zk, "stay");
        await().atMost(WAIT).until(() -> consumer.instances().size() == 1);
        Recording events = new Recording();
        consumer.addListener(events);
        long creates = provider.requestStats().count(RequestStats.Type.CREATE);
        zk.cut(provider);
        zk.restore(provider);
        assertTrue(reg.awaitRegistered(WAIT));
        assertEquals(creates, provider.requestStats().count(RequestStats.Type.CREATE), "same session: no re-creation");
        assertEquals(List.of(), events.events(), "consumers saw nothing of the cut");
        assertEquals(List.of(P1), consumer.instances());
    }

    @Test
    void unregisterByServiceAndId_removesThatInstanceOnly() throws Exception {
        ZkClient client = zk.newClient();
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(client));
        Registration a = registry.registerNow("byid", ServiceInstance.of("a", "h", 1), WAIT);
        Registration b = registry.registerNow("byid", ServiceInstance.of("b", "h", 2), WAIT);
        assertTrue(registry.unregister("byid", "a"));
        assertFalse(registry.unregister("byid", "a"), "already unregistered");
        assertFalse(registry.unregister("other", "b"), "not registered here");
        assertFalse(Fixtures.exists(client, a.path()));
        assertTrue(Fixtures.exists(client, b.path()) && b.isRegistered());
        assertEquals(List.of(b), registry.registrations());
        assertThrows(IllegalStateException.class, () -> a.awaitRegistered(WAIT), "unregistered");
        assertTrue(registry.registerNow("byid", ServiceInstance.of("a", "h", 1), WAIT).isRegistered(),
                "the same id registers again at once");
    }

    private static List<Recording> consumers(String service, int count) throws Exception {
        List<Recording> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ServiceDiscovery d = Fixtures.discovery(zk, service);
            Recording events = new Recording();
            d.addListener(events);
            await().atMost(WAIT).until(() -> !d.instances().isEmpty());
            out.add(events);
        }
        return out;
    }

}
