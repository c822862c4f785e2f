package io.zkrecipes.config;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.zkrecipes.core.AclProvider;
import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * Liveness of the store and its cache: a key the subscriber may not read, calls during a cut
 * connection, a client or store closed under a blocked call, and publication under sustained writes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConfigLivenessTest {
    static {
        ServerWatches.enable();
    }

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String ROOT = "/config/live";
    static final Duration WAIT = Duration.ofSeconds(20);
    /** How late a call may return after the deadline it was given. */
    static final Duration SLACK = Duration.ofSeconds(1);
    /** Shorter than the sessions of the clients that use it, so that a cut outlasts it alone. */
    static final RetryPolicy ONE_SECOND_RETRIES = RetryPolicy.exponentialBackoff(Duration.ofMillis(50),
            Duration.ofMillis(200), Duration.ofSeconds(1));
    static final Duration LONG_SESSION = Duration.ofSeconds(10);

    /** Anyone may read and write the configuration, except the key {@code secret}, only its creator. */
    private static ZkClient alice() {
        AclProvider acl = AclProvider.worldOpen().withOverride(ROOT + "/secret", ZooDefs.Ids.CREATOR_ALL_ACL);
        return zk.newClient(b -> b.authorization("alice", "alice-pw-5c1d").aclProvider(acl));
    }

    private static ZkClient bob() {
        return zk.newClient(b -> b.authorization("bob", "bob-pw-90ae"));
    }

    private static ConfigStore store(ZkClient client) {
        return zk.closeAfterTest(ConfigStore.create(client, ROOT));
    }

    // ---- observation 9: one unreadable key neither stops publication nor slows writes ----

    @Test
    void subscribe_withAKeyItMayNotRead_leavesItOutAndKeepsPublishingTheOthers() throws Exception {
        ConfigStore alices = store(alice());
        alices.putAll(Map.of("a", "1", "secret", "s3cr3t"));
        ConfigStore bobs = store(bob());
        Recorder r = new Recorder();
        bobs.subscribe(r);

        await().atMost(WAIT).until(() -> r.values().equals(Map.of("a", "1")));
        assertEquals(Optional.empty(), bobs.get("secret"), "an unreadable key reads as absent from the cache");
        assertEquals(Map.of("a", "1"), bobs.snapshot());
        alices.put("a", "2");
        await().atMost(WAIT).until(() -> r.values().equals(Map.of("a", "2")));
        assertOwnWriteIsQuick(bobs, "b", "x");
        await().atMost(WAIT).until(() -> "x".equals(r.values().get("b")));
        assertEquals(List.of(), r.violations());
    }

    @Test
    void unreadableKeyMetByAResync_doesNotStopPublicationNorSlowWrites() throws Exception {
        ConfigStore alices = store(alice());
        alices.put("a", "1");
        ZkClient bob = bob();
        ConfigStore bobs = store(bob);
        Recorder r = new Recorder();
        bobs.subscribe(r);
        await().atMost(WAIT).until(() -> r.values().equals(Map.of("a", "1")));

        alices.put("secret", "s3cr3t"); // bob is not told: the server filters events by READ permission
        zk.cut(bob);
        alices.put("a", "2");
        zk.restore(bob); // the resync lists the secret key and fails to read it

        await().atMost(WAIT).until(() -> r.values().equals(Map.of("a", "2")));
        alices.put("a", "3");
        await().atMost(WAIT).until(() -> r.values().equals(Map.of("a", "3")));
        assertOwnWriteIsQuick(bobs, "b", "x");
        assertEquals(List.of(), r.violations());
    }

    @Test
    void ownWriteWhoseCacheReadIsLost_returnsAtOnceAndTheCacheCatchesUp() throws Exception {
        ZkClient client = zk.newClient();
        ConfigStore store = store(client);
        store.put("k", "1");
        Recorder r = new Recorder();
        store.subscribe(r);
        await().atMost(WAIT).until(() -> "1".equals(r.values().get("k")));

        CompletableFuture<Integer> dropped = zk.dropNextReply(client, ZooDefs.OpCode.getData);
        long began = System.nanoTime();
        store.put("k", "2"); // its event makes the cache read k; that reply is lost with the connection
        assertTrue(elapsed(began).compareTo(SLACK) < 0, "put took " + elapsed(began));
        dropped.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> "2".equals(r.values().get("k")));
        await().atMost(WAIT).until(() -> store.get("k").equals(Optional.of("2")));
        assertEquals(List.of(), r.violations());
    }

    // ---- observation 1: calls under a cut connection end by their deadline ----

    @Test
    void writesAndUncachedReadsWhileCut_failWithZkRecipeExceptionAfterTheRetryDeadline() throws Exception {
        ZkClient client = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
        ConfigStore store = store(client);
        store.put("k", "1");
        zk.cut(client);

        Duration bound = ONE_SECOND_RETRIES.deadline().plus(SLACK);
        assertUnreachable(() -> store.put("k", "2"), bound);
        assertUnreachable(() -> store.putAll(Map.of("k", "3", "j", "3")), bound);
        assertUnreachable(() -> store.compareAndSet("k", 0, "4"), bound);
        assertUnreachable(() -> store.remove("k"), bound);
        assertUnreachable(() -> store.get("k"), bound);
        assertUnreachable(() -> store.snapshot(), bound);

        zk.restore(client);
        assertEquals(Map.of("k", "1"), store.snapshot(), "nothing was written");
    }

    @Test
    void subscribeWhileCut_failsAfterTheRetryDeadlineAndLeavesNoWatch() throws Exception {
        ZkClient client = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
        ConfigStore store = store(client);
        store.put("k", "1");
        int start = ServerWatches.total(zk.connectString());
        zk.cut(client);

        assertUnreachable(() -> store.subscribe(u -> { }), ONE_SECOND_RETRIES.deadline().plus(SLACK));

        zk.restore(client);
        await("no watch left behind").atMost(WAIT)
                .until(() -> ServerWatches.total(zk.connectString()) == start);
        Recorder r = new Recorder();
        ConfigSubscription s = store.subscribe(r);
        await().atMost(WAIT).until(() -> r.values().equals(Map.of("k", "1")));
        s.close();
        assertEquals(start, ServerWatches.total(zk.connectString()));
    }

    @Test
    void cachedReadsWhileCut_answerAtOnceWithTheLastValues() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(LONG_SESSION));
        ConfigStore store = store(client);
        store.putAll(Map.of("n", "7", "s", "v"));
        store.subscribe(u -> { });
        zk.cut(client);

        long began = System.nanoTime();
        assertEquals(Optional.of("v"), store.get("s"));
        assertEquals(7, store.getInt("n", 0));
        assertEquals(Map.of("n", "7", "s", "v"), store.snapshot());
        assertTrue(elapsed(began).compareTo(Duration.ofMillis(500)) < 0, "cached reads took " + elapsed(began));
    }

    @Test
    void putBlockedByACut_returnsWithIllegalStateWithinASecondOfItsClientClosing() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(LONG_SESSION));
        ConfigStore store = store(client);
        store.put("k", "1");
        zk.cut(client);
        CompletableFuture<Integer> put = blockedCall(() -> store.put("k", "2"));

        long began = System.nanoTime();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(client::close); // blocks while cut
        assertIllegalStateWithin(put, Duration.ofSeconds(1), began);
        closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void putBlockedByACut_returnsWithIllegalStateSoonAfterItsStoreCloses() throws Exception {
        RetryPolicy shortPauses = RetryPolicy.exponentialBackoff(Duration.ofMillis(50), Duration.ofMillis(200),
                Duration.ofSeconds(30));
        ZkClient client = zk.newClient(b -> b.retryPolicy(shortPauses).sessionTimeout(LONG_SESSION));
        ConfigStore store = ConfigStore.create(client, ROOT);
        store.put("k", "1");
        zk.cut(client);
        CompletableFuture<Integer> put = blockedCall(() -> store.put("k", "2"));

        long began = System.nanoTime();
        store.close();
        assertIllegalStateWithin(put, Duration.ofSeconds(1), began);
    }

    // ---- publication keeps up with sustained writes (the cache is exact at a reply, not only at rest) ----

    @Test
    void sustainedWritesToTwoKeys_arePublishedDuringTheTrafficAndOwnWritesStayQuick() throws Exception {
        ConfigStore subscribed = store(zk.newClient());
        subscribed.putAll(Map.of("x", "0", "y", "0"));
        Recorder r = new Recorder();
        subscribed.subscribe(r);
        await().atMost(WAIT).until(() -> r.values().equals(Map.of("x", "0", "y", "0")));

        AtomicBoolean stop = new AtomicBoolean();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // enough that both keys change between any two of the cache's replies
            writers.add(hammer(store(zk.newClient()), "x", stop));
            writers.add(hammer(store(zk.newClient()), "y", stop));
        }
        try {
            int before = r.updates().size();
            await("updates while both keys keep changing").atMost(Duration.ofSeconds(5))
                    .until(() -> r.updates().size() >= before + 20);
            for (int i = 0; i < 5; i++) {
                assertOwnWriteIsQuick(subscribed, "own", Integer.toString(i));
            }
            writers.forEach(w -> assertTrue(!w.isDone(), "a writer stopped early: " + w));
        } finally {
            stop.set(true);
            CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertEquals(List.of(), r.violations());
    }

    // ---- helpers ----

    private static CompletableFuture<Void> hammer(ConfigStore store, String key, AtomicBoolean stop) {
        return CompletableFuture.runAsync(() -> {
            try {
                for (int i = 1; !stop.get(); i++) {
                    store.put(key, Thread.currentThread().getName() + "-" + i);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, runnable -> new Thread(runnable, "hammer-" + key).start());
    }

    /** A put on a subscribed store returns within a second, and its own reads see it at once. */
    private static void assertOwnWriteIsQuick(ConfigStore store, String key, String value) throws InterruptedException {
        long began = System.nanoTime();
        store.put(key, value);
        assertTrue(elapsed(began).compareTo(SLACK) < 0, "put of " + key + " took " + elapsed(began));
        assertEquals(Optional.of(value), store.get(key));
    }

    /** Fails with a ZkRecipeException saying the ensemble could not be reached, within {@code bound}. */
    private static void assertUnreachable(Executable call, Duration bound) {
        long began = System.nanoTime();
        ZkRecipeException e = assertThrows(ZkRecipeException.class, call);
        Duration took = elapsed(began);
        assertTrue(e.code() == KeeperException.Code.CONNECTIONLOSS || e.code() == KeeperException.Code.OPERATIONTIMEOUT,
                e.toString());
        assertTrue(took.compareTo(bound) <= 0, "took " + took + ", more than " + bound + ": " + e);
    }

    /** Runs {@code call} on its own thread and returns once that thread is waiting inside it. */
    private static <T> CompletableFuture<T> blockedCall(java.util.concurrent.Callable<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "blocked-call");
        t.setDaemon(true);
        t.start();
        await("the call is blocked").atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() ->
                t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
        return result;
    }

    private static void assertIllegalStateWithin(CompletableFuture<?> call, Duration bound, long began)
            throws InterruptedException {
        try {
            call.get(bound.toMillis() + 2_000, TimeUnit.MILLISECONDS);
            fail("the blocked call returned normally");
        } catch (ExecutionException e) {
            assertInstanceOf(IllegalStateException.class, e.getCause(), e.toString());
        } catch (TimeoutException e) {
            fail("the blocked call did not return within " + bound.plusSeconds(2));
        }
        assertTrue(elapsed(began).compareTo(bound) <= 0, "returned after " + elapsed(began));
    }

    private static Duration elapsed(long beganNanos) {
        return Duration.ofNanos(System.nanoTime() - beganNanos);
    }
}
