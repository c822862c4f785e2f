package io.zkrecipes.queue;

import static io.zkrecipes.queue.QueueFaultTest.awaitWaiting;
import static io.zkrecipes.queue.QueueTesting.queue;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.queue.DistributedQueue.Outcome;
import io.zkrecipes.testing.ZkTestServers;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Liveness of the queue's blocking calls: timed calls end at their deadline whatever the network
 * does, a waiting call ends when its client closes, one thread's wait holds up no other thread of
 * the instance, and an instance that is gone leaves no marker nodes behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueueLivenessTest {
    private static final Duration SHORT = Duration.ofSeconds(1);
    /** What a call may take beyond its own timeout. */
    private static final Duration SLACK = Duration.ofSeconds(1);
    /** A session that ends soon after its client is closed under a cut, so that its markers are collected soon. */
    private static final Duration SHORT_SESSION = Duration.ofSeconds(1);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    // ---- observation 1: a timeout is a deadline ----

    @Test
    void poll_returnsWithinTimeoutWhileConnectionIsCut() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = zk.closeAfterTest(queue(client, "/q", 10_000));
        q.put("a");
        q.put("b");
        assertEquals(Optional.of("a"), q.poll(SHORT)); // "b" is read ahead with "a": the next poll tries to take it
        zk.cut(client);
        Object result = returnsWithin(SHORT.plus(SLACK), "poll(1 s) with the connection cut", () -> q.poll(SHORT));
        assertNotEquals(Optional.of("b"), result, "nothing can be taken while the connection is cut");
    }

    @Test
    void poll_onAnEmptyQueue_returnsWithinTimeoutWhileConnectionIsCut() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = zk.closeAfterTest(queue(client, "/q", 10_000));
        assertEquals(Optional.empty(), q.poll(Duration.ZERO));
        zk.cut(client);
        Object result = returnsWithin(SHORT.plus(SLACK), "poll(1 s) on an empty queue with the connection cut",
                () -> q.poll(SHORT));
        assertFalse(result instanceof Optional<?> item && item.isPresent(), "no item: " + result);
    }

    @Test
    void processNext_returnsWithinTimeoutWhileConnectionIsCut() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = zk.closeAfterTest(queue(client, "/q", 10_000));
        q.put("a");
        q.put("b");
        assertEquals(Outcome.COMPLETED, q.processNext(SHORT, item -> { })); // "b" is read ahead with "a"
        zk.cut(client);
        List<String> handled = new ArrayList<>();
        Object result = returnsWithin(SHORT.plus(SLACK), "processNext(1 s) with the connection cut",
                () -> q.processNext(SHORT, handled::add));
        assertNotEquals(Outcome.COMPLETED, result);
        assertTrue(handled.isEmpty(), "no item can be claimed while the connection is cut: " + handled);
    }

    // ---- observation 2: closing the client ends a waiting call ----

    @Test
    void take_returnsWithinOneSecondOfItsClientClosing() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = zk.closeAfterTest(queue(client, "/q", 10_000));
        CompletableFuture<String> taken = QueueFaultTest.takeInBackground(q);
        awaitWaiting(client);
        client.close();
        Throwable failure = failureWithin(taken, SLACK, "take() after its client was closed");
        assertTrue(failure instanceof IllegalStateException, "take() fails as after close: " + failure);
    }

    @Test
    void poll_returnsWithinOneSecondOfItsClientClosing_leavingNoNodeOfItsSession() throws Exception {
        ZooKeeper observer = zk.newClient().unwrap();
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = zk.closeAfterTest(queue(client, "/q", 10_000));
        long session = ownerNodeMade(q, client, observer);
        CompletableFuture<Object> polled = inBackground(() -> q.poll(Duration.ofSeconds(30)));
        awaitWaiting(client);

        client.close();
        Throwable failure = failureWithin(polled, SLACK, "poll(30 s) after its client was closed");
        assertTrue(failure instanceof IllegalStateException, "poll fails as after close: " + failure);
        awaitNoNodeOf(observer, session);
    }

    @Test
    void processNext_returnsWithinOneSecondOfItsClientClosing_leavingNoNodeOfItsSession() throws Exception {
        ZooKeeper observer = zk.newClient().unwrap();
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = zk.closeAfterTest(queue(client, "/q", 10_000));
        long session = ownerNodeMade(q, client, observer);
        List<String> handled = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Object> processed = inBackground(() -> q.processNext(Duration.ofSeconds(30), handled::add));
        awaitWaiting(client);

        client.close();
        Throwable failure = failureWithin(processed, SLACK, "processNext(30 s) after its client was closed");
        assertTrue(failure instanceof IllegalStateException, "processNext fails as after close: " + failure);
        assertTrue(handled.isEmpty(), "no item was handled: " + handled);
        awaitNoNodeOf(observer, session);
        assertEquals(List.of(), observer.getChildren("/q/claims", false));
    }

    @Test
    void putBlockedByACut_returnsWithinOneSecondOfItsClientClosing_andItsMarkersAreCollected() throws Exception {
        ZooKeeper observer = zk.newClient().unwrap();
        ZkClient client = zk.newClient(b -> b.sessionTimeout(SHORT_SESSION));
        DistributedQueue<String> q = queue(client, "/q", 10_000);
        q.put("a"); // the instance's owner node and marker slots exist from here
        List<String> instanceMarkers = markers(observer);
        zk.cut(client);
        CompletableFuture<Object> put = inBackground(() -> {
            q.put("b");
            return "put";
        });
        assertFalse(put.isDone(), "a put cannot be applied while cut");

        long closing = System.nanoTime();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(client::close); // blocks while cut
        Throwable failure = failureWithin(put, SLACK, "put blocked by a cut, after its client was closed");
        assertTrue(failure instanceof IllegalStateException, "put fails as after close: " + failure);
        assertTrue(Duration.ofNanos(System.nanoTime() - closing).compareTo(SLACK) <= 0);
        closed.get(10, TimeUnit.SECONDS);

        // the queue lives on in another process, which collects the markers once their owner is gone
        DistributedQueue<String> survivor = zk.closeAfterTest(queue(zk.newClient(b -> b.sessionTimeout(SHORT_SESSION)),
                "/q", 10_000));
        assertEquals(Optional.of("a"), survivor.poll(Duration.ofSeconds(5)));
        assertEquals(Optional.empty(), survivor.poll(Duration.ZERO), "the blocked put was never applied");
        await("the closed instance's markers collected").atMost(SHORT_SESSION.multipliedBy(2).plus(Duration.ofSeconds(5)))
                .until(() -> markers(observer).stream().noneMatch(instanceMarkers::contains));
    }

    // ---- observation 10: a blocked take holds up no other call of the instance ----

    @Test
    void peek_returnsPromptlyWhileAnotherThreadIsBlockedInTake() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = zk.closeAfterTest(queue(client, "/q", 10_000));
        QueueFaultTest.takeInBackground(q);
        awaitWaiting(client);
        Object head = returnsWithin(SLACK, "peek() beside a take() waiting on an empty queue", q::peek);
        assertEquals(Optional.empty(), head, "the queue is empty");
    }

    @Test
    void processNext_failedHandler_returnsPromptlyWhileAnotherThreadIsBlockedInTake() throws Exception {
        ZkClient client = zk.newClient();
        ZooKeeper observer = zk.newClient().unwrap();
        DistributedQueue<String> q = zk.closeAfterTest(queue(client, "/q", 10_000));
        q.put("x");
        q.put("y");
        // two threads of the instance hold one claim each and wait in their handlers
        Map<String, CountDownLatch> release = Map.of("x", new CountDownLatch(1), "y", new CountDownLatch(1));
        Map<String, Boolean> failIt = new ConcurrentHashMap<>();
        CountDownLatch claimed = new CountDownLatch(2);
        Map<String, CompletableFuture<Outcome>> outcomes = new ConcurrentHashMap<>();
        for (int i = 0; i < 2; i++) {
            CompletableFuture<Outcome> outcome = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    outcome.complete(q.processNext(Duration.ofSeconds(10), item -> {
                        outcomes.put(item, outcome);
                        claimed.countDown();
                        awaitQuietly(release.get(item));
                        if (failIt.getOrDefault(item, false)) {
                            throw new IllegalStateException("handler failed on " + item);
                        }
                    }));
                } catch (Throwable e) {
                    outcome.completeExceptionally(e);
                }
            });
            t.setDaemon(true);
            t.start();
        }
        assertTrue(claimed.await(10, TimeUnit.SECONDS), "both items claimed");
        try {
            // a third thread passes over both claimed items and waits, watching one of the two claims
            CompletableFuture<String> taken = QueueFaultTest.takeInBackground(q);
            await().atMost(Duration.ofSeconds(10)).until(() -> watchedClaim(client) != null);
            String watched = itemOfClaim(observer, watchedClaim(client));
            String other = watched.equals("x") ? "y" : "x";
            // the other claim's handler throws: the take is not woken by that
            failIt.put(other, true);
            release.get(other).countDown();
            Object outcome = returnsWithin(SLACK, "processNext whose handler threw, beside a waiting take()",
                    () -> outcomes.get(other).get());
            assertEquals(Outcome.FAILED, outcome);
            assertFalse(taken.isDone(), "the take was still waiting");
        } finally {
            release.values().forEach(CountDownLatch::countDown);
        }
    }

    // ---- observation 12: marker nodes of an instance that is gone ----

    @Test
    void close_deletesTheInstancesMarkers() throws Exception {
        ZooKeeper observer = zk.newClient().unwrap();
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        producer.put("a");
        List<String> markers = markers(observer);
        assertFalse(markers.isEmpty(), "a put writes a marker");
        producer.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> markers(observer).isEmpty());
    }

    @Test
    void producerWhoseClientClosedWithoutClosingTheQueue_leavesNoMarkersBehind() throws Exception {
        ZooKeeper observer = zk.newClient().unwrap();
        ZkClient crashedClient = zk.newClient();
        DistributedQueue<String> crashed = queue(crashedClient, "/q", 10_000);
        crashed.put("a");
        List<String> leftBehind = markers(observer);
        assertFalse(leftBehind.isEmpty(), "a put writes a marker");
        crashedClient.close(); // the process ends without closing the queue: its session ends with it

        // the queue lives on in another process
        DistributedQueue<String> survivor = zk.closeAfterTest(queue(zk.newClient(), "/q", 10_000));
        assertEquals(Optional.of("a"), survivor.poll(Duration.ofSeconds(5)));
        survivor.put("b");
        Duration bound = ZkTestServers.SESSION_TIMEOUT.multipliedBy(2).plus(SLACK);
        try {
            await().atMost(bound).until(() -> markers(observer).stream().noneMatch(leftBehind::contains));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            fail("markers of an instance whose session ended are still there " + bound + " later: "
                    + leftBehind + " (all markers: " + markers(observer) + ")");
        }
    }

    // ---- helpers ----

    /** Runs {@code call} on its own thread; its result or what it threw, failing if it takes longer than {@code bound}. */
    private static Object returnsWithin(Duration bound, String what, Callable<?> call) throws InterruptedException {
        CompletableFuture<Object> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                done.complete(call.call());
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        t.setDaemon(true);
        long start = System.nanoTime();
        t.start();
        try {
            return done.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return fail(what + " still blocked " + Duration.ofNanos(System.nanoTime() - start).toMillis()
                    + " ms after it was called (bound " + bound.toMillis() + " ms)");
        }
    }

    /** What {@code future} failed with, failing the test if it is still running after {@code bound} or succeeded. */
    private static Throwable failureWithin(CompletableFuture<?> future, Duration bound, String what)
            throws InterruptedException {
        try {
            Object value = future.get(bound.toNanos(), TimeUnit.NANOSECONDS);
            return fail(what + " returned " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return fail(what + " still blocked " + bound.toMillis() + " ms later");
        }
    }

    /** Runs {@code call} on a daemon thread of its own; returns once the thread is waiting inside it. */
    private static CompletableFuture<Object> inBackground(Callable<?> call) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                done.complete(call.call());
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "queue-call");
        t.setDaemon(true);
        t.start();
        await("the call waits").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() ->
                done.isDone() || t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
        return done;
    }

    /** A put and a take, so that the instance's owner node (ephemeral) exists; returns the client's session. */
    private static long ownerNodeMade(DistributedQueue<String> q, ZkClient client, ZooKeeper observer) throws Exception {
        q.put("x");
        assertEquals(Optional.of("x"), q.poll(Duration.ofSeconds(5)));
        long session = client.sessionId();
        assertFalse(nodesOf(observer, "/q", session).isEmpty(), "the instance's owner node exists");
        return session;
    }

    /** Waits until no node under the queue is owned by {@code session}: they went with the closed client's session. */
    private static void awaitNoNodeOf(ZooKeeper observer, long session) {
        await("no node of the closed client's session").atMost(Duration.ofSeconds(5))
                .until(() -> nodesOf(observer, "/q", session).isEmpty());
    }

    /** The nodes under {@code path} (recursively) whose ephemeral owner is {@code session}. */
    private static List<String> nodesOf(ZooKeeper observer, String path, long session) throws Exception {
        List<String> owned = new ArrayList<>();
        org.apache.zookeeper.data.Stat stat = observer.exists(path, false);
        if (stat == null) {
            return owned;
        }
        if (stat.getEphemeralOwner() == session) {
            owned.add(path);
        }
        try {
            for (String child : observer.getChildren(path, false)) {
                owned.addAll(nodesOf(observer, path + "/" + child, session));
            }
        } catch (KeeperException.NoNodeException gone) {
            // deleted between the two reads
        }
        return owned;
    }

    private static List<String> markers(ZooKeeper observer) throws KeeperException, InterruptedException {
        return observer.getChildren("/q/markers", false);
    }

    /** The claim node the client's session watches, or null. */
    private static String watchedClaim(ZkClient client) throws ReflectiveOperationException {
        Method m = ZooKeeper.class.getDeclaredMethod("getDataWatches");
        m.setAccessible(true);
        for (Object path : (List<?>) m.invoke(client.unwrap())) {
            if (path.toString().startsWith("/q/claims/")) {
                return path.toString();
            }
        }
        return null;
    }

    /** The item a claim is on: {@code /q/claims/<bucket>.<item>} names {@code /q/<bucket>/<item>}. */
    private static String itemOfClaim(ZooKeeper observer, String claimPath) throws Exception {
        String key = claimPath.substring("/q/claims/".length());
        int dot = key.indexOf('.');
        String itemPath = "/q/" + key.substring(0, dot) + "/" + key.substring(dot + 1);
        return new String(observer.getData(itemPath, false, null), StandardCharsets.UTF_8);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
