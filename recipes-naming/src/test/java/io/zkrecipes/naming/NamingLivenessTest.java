package io.zkrecipes.naming;

import static io.zkrecipes.testing.TimedCalls.assertStillRunning;
import static io.zkrecipes.testing.TimedCalls.cutAt;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Liveness of the naming recipes: a call given up during an outage leaves no node, a timed call
 * returns within its timeout plus a second whatever the network does, a call blocked without a
 * timeout ends within a second of its client (or its recipe) being closed, and a slow discovery
 * listener delays nothing else.
 */
@Timeout(60)
class NamingLivenessTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    /** Shorter than the sessions of the clients that use it, so that an outage can outlast it alone. */
    static final RetryPolicy ONE_SECOND_RETRIES = RetryPolicy.exponentialBackoff(Duration.ofMillis(50),
            Duration.ofMillis(200), Duration.ofSeconds(1));
    static final Duration LONG_SESSION = Duration.ofSeconds(10);
    static final Duration TIMEOUT = Duration.ofSeconds(1);
    /** How late a call may return after its timeout, or after its client is closed. */
    static final Duration SLACK = Duration.ofSeconds(1);
    static final Duration LONG = Duration.ofHours(1);
    static final Duration WAIT = Duration.ofSeconds(20);
    static final ServiceInstance P1 = ServiceInstance.of("p1", "10.0.0.1", 8080);

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    // ---- a call given up after a lost reply and a long outage (observation 3) ----

    @Test
    void nextNumber_replyLostThenOutageLongerThanRetryDeadline_givesUpAndLeavesNoNode() throws Exception {
        ZkClient client = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
        ZkClient observer = zk.newClient();
        UniqueNameGenerator names = UniqueNameGenerator.create(client, "/names/outage");
        long before = names.nextNumber();

        // the generator's one write per name is a setData of its node
        Future<Long> during = afterLostReplyAndOutage(client, OpCode.setData, names::nextNumber);

        assertInstanceOf(ZkRecipeException.class, causeOf(during), "gave up with a recipe exception");
        await("no node left under the generator's path").atMost(Duration.ofSeconds(5))
                .until(() -> UniqueNameGeneratorTest.children(observer, "/names/outage").isEmpty());
        assertTrue(names.nextNumber() > before, "a fresh, greater number after the outage");
    }

    @Test
    void registerNow_createReplyLostThenOutageLongerThanItsTimeout_throwsAndLeavesNoNode() throws Exception {
        ZkClient client = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
        ZkClient observer = zk.newClient();
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(client));

        Future<Registration> during = afterLostReplyAndOutage(client, OpCode.create2,
                () -> registry.registerNow("lost", P1, TIMEOUT));

        assertInstanceOf(ZkRecipeException.class, causeOf(during), "registerNow gave up");
        await("no instance node left by the withdrawn registration").atMost(Duration.ofSeconds(5))
                .until(() -> !Fixtures.exists(observer, "/services/lost/p1"));
        assertTrue(registry.registrations().isEmpty(), "the withdrawn registration is forgotten");
        assertTrue(registry.registerNow("lost", P1, WAIT).isRegistered(), "the same id registers again");
    }

    // ---- timed calls under a cut connection (observation 1) ----

    @Test
    void awaitRegistered_whileConnectionIsCut_returnsFalseWithinTimeout() throws Exception {
        ZkClient client = zk.newClient();
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(client));
        zk.cut(client);
        Registration reg = registry.register("cut", P1);
        assertFalse(valueWithin(TIMEOUT.plus(SLACK), "awaitRegistered(1 s) while cut",
                () -> reg.awaitRegistered(TIMEOUT)));
    }

    @Test
    void registerNow_whileConnectionIsCut_throwsWithinTimeout() throws Exception {
        ZkClient client = zk.newClient();
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(client));
        zk.cut(client);
        Throwable thrown = failureWithin(TIMEOUT.plus(SLACK), "registerNow(1 s) while cut",
                () -> registry.registerNow("cut", P1, TIMEOUT));
        assertInstanceOf(ZkRecipeException.class, thrown);
        assertTrue(registry.registrations().isEmpty(), "withdrawn");
    }

    @Test
    void registerNow_idHeldElsewhereAndCutJustBeforeItsDeadline_throwsWithinTimeout() throws Exception {
        ServiceRegistry holder = zk.closeAfterTest(ServiceRegistry.create(zk.newClient()));
        holder.registerNow("held", P1, WAIT);
        ZkClient client = zk.newClient();
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(client));
        long start = System.nanoTime();
        Future<Registration> registering = threads.submit(() -> registry.registerNow("held", P1, TIMEOUT));
        cutAt(zk, client, start, Duration.ofMillis(950));
        Throwable thrown = TimedCalls.failureWithin(registering, start, TIMEOUT.plus(SLACK), "registerNow(1 s) cut near its deadline");
        assertInstanceOf(ZkRecipeException.class, thrown);
    }

    @Test
    void awaitInitialized_whileConnectionIsCut_returnsFalseWithinTimeout() throws Exception {
        ZkClient client = zk.newClient();
        ServiceDiscovery discovery = zk.closeAfterTest(ServiceDiscovery.builder(client, "cut").build());
        zk.cut(client);
        discovery.start();
        assertFalse(valueWithin(TIMEOUT.plus(SLACK), "awaitInitialized(1 s) while cut",
                () -> discovery.awaitInitialized(TIMEOUT)));
    }

    @Test
    void untimedGenerators_whileConnectionIsCut_throwWithinTheRetryDeadline() throws Exception {
        ZkClient client = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
        IdGenerator ids = IdGenerator.create(client, "/ids/cut", 1);
        UniqueNameGenerator names = UniqueNameGenerator.create(client, "/names/cut");
        ids.nextId();
        names.nextNumber();
        zk.cut(client);
        Duration bound = ONE_SECOND_RETRIES.deadline().plus(SLACK);
        assertInstanceOf(ZkRecipeException.class, failureWithin(bound, "nextId() while cut", ids::nextId));
        assertInstanceOf(ZkRecipeException.class, failureWithin(bound, "nextNumber() while cut", names::nextNumber));
    }

    // ---- calls blocked without a timeout, then the client or the recipe is closed (observation 2) ----

    @Test
    void awaitRegistered_untimed_endsWithinASecondOfItsClientClosingAndLeavesNoNode() throws Exception {
        ZkClient client = zk.newClient();
        ZkClient observer = zk.newClient();
        ServiceRegistry registry = ServiceRegistry.create(client);
        zk.cut(client);
        Registration reg = registry.register("closing", P1);
        Future<Boolean> waiting = threads.submit(() -> reg.awaitRegistered(LONG));
        assertStillRunning(waiting, "awaitRegistered() while cut");
        client.close();
        assertInstanceOf(IllegalStateException.class, TimedCalls.failureWithin(waiting, System.nanoTime(), SLACK,
                "awaitRegistered() after its client was closed"));
        assertFalse(Fixtures.exists(observer, reg.path()), "no instance node");
    }

    @Test
    void registerNow_blocked_endsWithinASecondOfItsClientClosingAndLeavesNoNode() throws Exception {
        ZkClient client = zk.newClient();
        ZkClient observer = zk.newClient();
        ServiceRegistry registry = ServiceRegistry.create(client);
        zk.cut(client);
        Future<Registration> registering = threads.submit(() -> registry.registerNow("closing", P1, LONG));
        assertStillRunning(registering, "registerNow() while cut");
        client.close();
        assertInstanceOf(IllegalStateException.class, TimedCalls.failureWithin(registering, System.nanoTime(), SLACK,
                "registerNow() after its client was closed"));
        assertFalse(Fixtures.exists(observer, "/services/closing/p1"), "no instance node");
    }

    @Test
    void awaitRegistered_untimed_endsWithinASecondOfItsRegistrationBeingUnregistered() throws Exception {
        ZkClient client = zk.newClient();
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(client));
        zk.cut(client);
        Registration reg = registry.register("closing", P1);
        Future<Boolean> waiting = threads.submit(() -> reg.awaitRegistered(LONG));
        assertStillRunning(waiting, "awaitRegistered() while cut");
        reg.unregister();
        assertInstanceOf(IllegalStateException.class, TimedCalls.failureWithin(waiting, System.nanoTime(), SLACK,
                "awaitRegistered() after unregister()"));
        zk.restore(client);
        assertFalse(Fixtures.exists(client, reg.path()), "no instance node once the connection is back");
    }

    @Test
    void awaitInitialized_untimed_endsWithinASecondOfItsClientClosing() throws Exception {
        ZkClient client = zk.newClient();
        ServiceDiscovery discovery = ServiceDiscovery.builder(client, "closing").build();
        zk.cut(client);
        discovery.start();
        Future<Boolean> waiting = threads.submit(() -> discovery.awaitInitialized(LONG));
        assertStillRunning(waiting, "awaitInitialized() while cut");
        client.close();
        assertInstanceOf(IllegalStateException.class, TimedCalls.failureWithin(waiting, System.nanoTime(), SLACK,
                "awaitInitialized() after its client was closed"));
    }

    @Test
    void awaitInitialized_untimed_endsWithinASecondOfItsDiscoveryClosing() throws Exception {
        ZkClient client = zk.newClient();
        ServiceDiscovery discovery = ServiceDiscovery.builder(client, "closing").build();
        zk.cut(client);
        discovery.start();
        Future<Boolean> waiting = threads.submit(() -> discovery.awaitInitialized(LONG));
        assertStillRunning(waiting, "awaitInitialized() while cut");
        discovery.close();
        assertInstanceOf(IllegalStateException.class, TimedCalls.failureWithin(waiting, System.nanoTime(), SLACK,
                "awaitInitialized() after close()"));
    }

    @Test
    void generatorsBlockedWhileCut_endWithinASecondOfTheirClientClosing() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(LONG_SESSION)); // the default 30 s retry deadline
        IdGenerator ids = IdGenerator.create(client, "/ids/closing", 1);
        UniqueNameGenerator names = UniqueNameGenerator.create(client, "/names/closing");
        ids.nextId();
        names.nextNumber();
        zk.cut(client);
        Future<Long> id = threads.submit(ids::nextId);
        Future<Long> name = threads.submit(names::nextNumber);
        assertStillRunning(id, "nextId() while cut");
        assertStillRunning(name, "nextNumber() while cut");
        client.close();
        long closed = System.nanoTime();
        assertInstanceOf(IllegalStateException.class, TimedCalls.failureWithin(id, closed, SLACK, "nextId() after close"));
        assertInstanceOf(IllegalStateException.class, TimedCalls.failureWithin(name, closed, SLACK, "nextNumber() after close"));
    }

    // ---- a slow user listener (observation 6) ----

    @Test
    void slowDiscoveryListener_delaysNeitherItsCacheNorOtherListenersNorOtherDiscoveries() throws Exception {
        ZkClient client = zk.newClient();
        ServiceDiscovery slow = Fixtures.discovery(zk, client, "slow", PickStrategy.RANDOM);
        ServiceDiscovery other = Fixtures.discovery(zk, client, "other", PickStrategy.RANDOM);
        CountDownLatch unblock = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        slow.addListener(new ServiceDiscovery.Listener() {
            @Override
            public void instanceAdded(ServiceInstance instance) {
                blocked.countDown();
                try {
                    unblock.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Recording besideTheSlowOne = new Recording();
        slow.addListener(besideTheSlowOne);
        Recording onOther = new Recording();
        other.addListener(onOther);
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(zk.newClient()));
        try {
            registry.registerNow("slow", ServiceInstance.of("a", "h", 1), WAIT);
            assertTrue(blocked.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the slow listener was called");
            registry.registerNow("slow", ServiceInstance.of("b", "h", 2), WAIT);
            registry.registerNow("other", ServiceInstance.of("c", "h", 3), WAIT);
            await("the other discovery's listener, while a listener of the first one blocks")
                    .atMost(Duration.ofSeconds(5)).until(() -> onOther.events().equals(List.of("+c{}")));
            await("the slow listener's own discovery keeps its list").atMost(Duration.ofSeconds(5))
                    .until(() -> slow.instances().size() == 2);
            await("the listener beside the slow one").atMost(Duration.ofSeconds(5))
                    .until(() -> besideTheSlowOne.events().equals(List.of("+a{}", "+b{}")));
        } finally {
            unblock.countDown();
        }
    }

    // ---- helpers ----

    /**
     * Starts {@code call} on {@code client}, drops the reply to its request of type {@code opCode},
     * cuts the client at once and keeps it cut until the call has given up (within 10 s) and for as
     * long again as the retry deadline (so that any retry started then runs out too), then restores
     * it. The client's session outlives the outage.
     */
    private <T> Future<T> afterLostReplyAndOutage(ZkClient client, int opCode, Callable<T> call) throws Exception {
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, opCode);
        Future<T> result = threads.submit(call);
        dropped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        zk.cut(client);
        long session = client.sessionId();
        try {
            try {
                result.get(10, TimeUnit.SECONDS);
                fail("the call succeeded during the outage");
            } catch (ExecutionException gaveUp) {
                // the deadline passed while the connection was cut
            } catch (TimeoutException e) {
                fail("the call did not give up within 10 s of an outage (1 s retry deadline)");
            }
            TimeUnit.MILLISECONDS.sleep(ONE_SECOND_RETRIES.deadline().toMillis()); // the rest of the outage
        } finally {
            zk.restore(client);
        }
        assertEquals(session, client.sessionId(), "the session outlived the outage");
        return result;
    }

    private static Throwable causeOf(Future<?> failed) throws InterruptedException {
        try {
            failed.get();
            return fail("did not fail");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** Runs {@code call} on its own thread; fails unless it returns a value within {@code bound}. */
    private <T> T valueWithin(Duration bound, String what, Callable<T> call) throws Exception {
        long start = System.nanoTime();
        return TimedCalls.valueWithin(threads.submit(call), start, bound, what);
    }

    /** Runs {@code call} on its own thread; returns its failure, and fails unless it throws within {@code bound}. */
    private Throwable failureWithin(Duration bound, String what, Callable<?> call) throws Exception {
        long start = System.nanoTime();
        return TimedCalls.failureWithin(threads.submit(call), start, bound, what);
    }
}
