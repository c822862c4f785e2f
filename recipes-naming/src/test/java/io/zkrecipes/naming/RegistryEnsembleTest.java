package io.zkrecipes.naming;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A server of three dies (or is restarted), or the quorum is lost: registrations, discovery and ids carry on. */
@Timeout(90)
class RegistryEnsembleTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    /** How late a timed call may return after its timeout (as in the liveness tests). */
    private static final Duration SLACK = Duration.ofSeconds(1);
    private static final RetryPolicy ONE_SECOND_RETRIES = RetryPolicy.exponentialBackoff(Duration.ofMillis(50),
            Duration.ofMillis(200), Duration.ofSeconds(1));
    private static final ServiceInstance P1 = ServiceInstance.of("p1", "10.0.0.1", 8080);
    private static final ServiceInstance P2 = ServiceInstance.of("p2", "10.0.0.2", 8080);
    private static final ServiceInstance P3 = ServiceInstance.of("p3", "10.0.0.3", 8080);

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void providersServerKilled_instanceStaysAndIdsStayUnique() throws Exception {
        ZkClient provider = zk.newClient();
        Registration reg = zk.closeAfterTest(ServiceRegistry.create(provider))
                .registerNow("orders", ServiceInstance.of("p1", "h", 80), WAIT);
        ServiceDiscovery consumer = Fixtures.discovery(zk, "orders");
        await().atMost(WAIT).until(() -> consumer.instances().size() == 1);
        IdGenerator ids = IdGenerator.create(provider, "/ids/ensemble", 5);
        Set<Long> seen = new HashSet<>(List.of(ids.nextId(), ids.nextId()));
        long creates = provider.requestStats().count(RequestStats.Type.CREATE);
        zk.killServer(zk.serverOf(provider));
        for (int i = 0; i < 12; i++) {
            assertTrue(seen.add(ids.nextId()), "id handed out twice");
        }
        assertTrue(reg.awaitRegistered(WAIT));
        assertEquals(creates, provider.requestStats().count(RequestStats.Type.CREATE), "same session: no re-creation");
        await().atMost(WAIT).until(() -> consumer.instances().size() == 1);
    }

    @Test
    @Timeout(30)
    void providersServerRestarted_sameNodeNoSecondOne_consumerSeesNoChange_namesAndIdsStayUnique()
            throws Exception {
        ZkClient provider = zk.newClient();
        ZkClient admin = zk.newClient();
        Registration reg = zk.closeAfterTest(ServiceRegistry.create(provider)).registerNow("orders", P1, WAIT);
        ServiceDiscovery consumer = Fixtures.discovery(zk, "orders");
        Recording events = new Recording();
        consumer.addListener(events);
        assertEquals(List.of(P1), consumer.instances());
        Stat node = admin.unwrap().exists(reg.path(), false);
        UniqueNameGenerator names = UniqueNameGenerator.create(provider, "/names/restart");
        IdGenerator ids = IdGenerator.create(provider, "/ids/restart", 5);
        List<String> namesBefore = names(names, 3);
        List<Long> idsBefore = ids(ids, 7);
        long session = provider.sessionId();
        long creates = provider.requestStats().count(RequestStats.Type.CREATE);

        int server = zk.serverOf(provider);
        zk.killServer(server);
        zk.restartServer(server);

        assertUniqueAfter(namesBefore, names(names, 3));
        assertUniqueAfter(idsBefore, ids(ids, 7));
        assertTrue(reg.awaitRegistered(WAIT));
        assertEquals(session, provider.sessionId(), "the provider's session outlived the restart");
        assertEquals(creates, provider.requestStats().count(RequestStats.Type.CREATE), "registered a second time");
        Stat after = admin.unwrap().exists(reg.path(), false);
        assertNotNull(after, "the instance node is gone");
        assertEquals(node.getCzxid(), after.getCzxid(), "the instance node was created again");
        assertEquals(List.of("p1"), admin.unwrap().getChildren("/services/orders", false));
        assertEquals(List.of(P1), consumer.instances());
        assertEquals(List.of(), events.events(), "the consumer saw the instance change");
    }

    @Test
    @Timeout(30)
    void quorumLost_timedCallsReturnInTime_untimedFailClearly_andAfterRecoveryViewsConvergeAndNamesStayUnique()
            throws Exception {
        ZkClient admin = zk.newClient();
        ZkClient p1Client = zk.newClient();
        Registration r1 = zk.closeAfterTest(ServiceRegistry.create(p1Client)).registerNow("orders", P1, WAIT);
        Registration r2 = zk.closeAfterTest(ServiceRegistry.create(zk.newClient())).registerNow("orders", P2, WAIT);
        ZkClient p3Client = zk.newClient();
        ServiceRegistry registry3 = zk.closeAfterTest(ServiceRegistry.create(p3Client));
        ServiceDiscovery consumer = Fixtures.discovery(zk, "orders");
        await().atMost(WAIT).until(() -> consumer.instances().equals(List.of(P1, P2)));
        ServiceDiscovery late = zk.closeAfterTest(ServiceDiscovery.builder(zk.newClient(), "orders").build());
        ZkClient generatorClient = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES));
        UniqueNameGenerator names = UniqueNameGenerator.create(generatorClient, "/names/quorum");
        IdGenerator ids = IdGenerator.create(generatorClient, "/ids/quorum", 5);
        List<String> namesBefore = names(names, 3);
        List<Long> idsBefore = ids(ids, 5); // the block is used up: the next id needs a lease

        zk.stopAll();
        assertInstanceOf(ZkRecipeException.class, failureWithin(TIMEOUT.plus(SLACK), "registerNow(1 s) without quorum",
                () -> registry3.registerNow("orders", P3, TIMEOUT)));
        Registration r3 = registry3.register("orders", P3); // completed in the background once the quorum is back
        assertFalse(valueWithin(TIMEOUT.plus(SLACK), "awaitRegistered(1 s) without quorum",
                () -> r3.awaitRegistered(TIMEOUT)));
        late.start();
        assertFalse(valueWithin(TIMEOUT.plus(SLACK), "awaitInitialized(1 s) without quorum",
                () -> late.awaitInitialized(TIMEOUT)));
        Duration retryBound = ONE_SECOND_RETRIES.deadline().plus(SLACK);
        assertInstanceOf(ZkRecipeException.class, failureWithin(retryBound, "nextNumber() without quorum",
                names::nextNumber));
        assertInstanceOf(ZkRecipeException.class, failureWithin(retryBound, "nextId() without quorum", ids::nextId));
        r2.unregister(); // p2 leaves during the outage
        assertEquals(List.of(P1, P2), consumer.instances(), "the cache answers while the quorum is lost");
        await("the provider to take its session as lost").atMost(ZkTestServers.SESSION_TIMEOUT.plus(SLACK))
                .until(() -> !p1Client.isLive());
        zk.startAll();

        await("the consumers' views to converge").atMost(WAIT).until(() ->
                consumer.instances().equals(List.of(P1, P3)) && late.instances().equals(List.of(P1, P3)));
        assertTrue(r1.awaitRegistered(WAIT));
        assertTrue(r3.awaitRegistered(WAIT));
        await("one node per registered instance, each of its provider's current session").atMost(WAIT)
                .until(() -> owners(admin, "/services/orders")
                        .equals(Map.of("p1", p1Client.sessionId(), "p3", p3Client.sessionId())));
        assertUniqueAfter(namesBefore, names(names, 3));
        assertUniqueAfter(idsBefore, ids(ids, 7));
    }

    // ---- helpers ----

    private static List<String> names(UniqueNameGenerator names, int n) throws InterruptedException {
        List<String> issued = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            issued.add(names.next());
        }
        return issued;
    }

    private static List<Long> ids(IdGenerator ids, int n) throws InterruptedException {
        List<Long> issued = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            issued.add(ids.nextId());
        }
        return issued;
    }

    /** Asserts that {@code after} holds no value of {@code before} nor twice the same, and that all are greater. */
    private static <T extends Comparable<T>> void assertUniqueAfter(List<T> before, List<T> after) {
        Set<T> all = new HashSet<>(before);
        for (T value : after) {
            assertTrue(all.add(value), value + " handed out twice; before: " + before + ", after: " + after);
        }
        T last = Collections.max(before);
        for (T value : after) {
            assertTrue(value.compareTo(last) > 0, value + " is not greater than " + last + ", issued before it");
        }
    }

    /** The children of {@code path} and the session owning each one. */
    private static Map<String, Long> owners(ZkClient admin, String path) throws Exception {
        Map<String, Long> owners = new TreeMap<>();
        for (String name : admin.unwrap().getChildren(path, false)) {
            Stat stat = admin.unwrap().exists(path + "/" + name, false);
            if (stat != null) {
                owners.put(name, stat.getEphemeralOwner());
            }
        }
        return owners;
    }

    /** Runs {@code call} on its own thread; fails unless it returns within {@code bound}. */
    private <T> T valueWithin(Duration bound, String what, Callable<T> call) throws Exception {
        try {
            return threads.submit(call).get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return fail(what + " has not returned within " + bound.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new AssertionError(what + " threw instead of returning", e.getCause());
        }
    }

    /** Runs {@code call} on its own thread; fails unless it throws within {@code bound}; returns what it threw. */
    private Throwable failureWithin(Duration bound, String what, Callable<?> call) throws Exception {
        try {
            Object value = threads.submit(call).get(bound.toNanos(), TimeUnit.NANOSECONDS);
            return fail(what + " returned " + value + " instead of failing");
        } catch (TimeoutException e) {
            return fail(what + " has not failed within " + bound.toMillis() + " ms");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }
}
