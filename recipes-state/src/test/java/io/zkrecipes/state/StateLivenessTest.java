package io.zkrecipes.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Liveness of the blocking calls of the state recipes: a timed call ends by its timeout under a cut
 * connection, an untimed one by the retry policy's deadline, and a thread blocked in any of them
 * returns within a second of its client being closed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StateLivenessTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final Duration WAIT = Duration.ofSeconds(20);
    static final Duration SHORT = Duration.ofSeconds(1);
    /** How late a call may end after the moment it should. */
    static final Duration SLACK = Duration.ofSeconds(1);
    /** Shorter than the sessions of the clients that use it, so that a cut outlasts it alone. */
    static final RetryPolicy ONE_SECOND_RETRIES = RetryPolicy.exponentialBackoff(Duration.ofMillis(50),
            Duration.ofMillis(200), Duration.ofSeconds(1));
    /** Long enough that a caller queued behind a writer for two deadlines in a row is told from one that is not. */
    static final RetryPolicy TWO_SECOND_RETRIES = RetryPolicy.exponentialBackoff(Duration.ofMillis(50),
            Duration.ofMillis(200), Duration.ofSeconds(2));
    static final Duration LONG_SESSION = Duration.ofSeconds(10);

    // ---- timed calls under a cut connection end by their timeout ----

    @Test
    void nodeWatcherAwaitInitialized_startedWhileCut_returnsFalseWithinItsTimeout() throws Exception {
        ZkClient client = zk.newClient();
        NodeWatcher watcher = zk.closeAfterTest(NodeWatcher.create(client, "/watched"));
        zk.cut(client);
        watcher.start();

        Call<Boolean> call = Call.start("awaitInitialized", () -> watcher.awaitInitialized(SHORT));
        assertFalse(call.valueWithin(SHORT.plus(SLACK), "NodeWatcher.awaitInitialized(1 s) while cut"));
        zk.restore(client);
        assertTrue(watcher.awaitInitialized(WAIT), "initialized once the connection is back");
    }

    @Test
    void treeWatcherAwaitInitialized_startedWhileCut_returnsFalseWithinItsTimeout() throws Exception {
        ZkClient client = zk.newClient();
        create(client, "/tree/a");
        TreeWatcher tree = zk.closeAfterTest(TreeWatcher.create(client, "/tree"));
        zk.cut(client);
        tree.start();

        Call<Boolean> call = Call.start("awaitInitialized", () -> tree.awaitInitialized(SHORT));
        assertFalse(call.valueWithin(SHORT.plus(SLACK), "TreeWatcher.awaitInitialized(1 s) while cut"));
        zk.restore(client);
        assertTrue(tree.awaitInitialized(WAIT));
        assertEquals(Set.of("/tree", "/tree/a"), tree.snapshot().keySet());
    }

    @Test
    void treeWatcherAwaitCaughtUp_whileCut_returnsFalseWithinItsTimeout() throws Exception {
        ZkClient client = zk.newClient();
        TreeWatcher tree = zk.closeAfterTest(TreeWatcher.create(client, "/tree"));
        tree.start();
        assertTrue(tree.awaitInitialized(WAIT));
        zk.cut(client);

        Call<Boolean> call = Call.start("awaitCaughtUp", () -> tree.awaitCaughtUp(SHORT));
        assertFalse(call.valueWithin(SHORT.plus(SLACK), "TreeWatcher.awaitCaughtUp(1 s) while cut"));
    }

    @Test
    void treeWatcherAwaitCaughtUp_returnsFalseSoonAfterTheConnectionIsCutUnderIt() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(LONG_SESSION));
        try (HeldPublication held = HeldPublication.of(client, "/tree")) {
            Call<Boolean> call = Call.start("awaitCaughtUp", () -> held.tree.awaitCaughtUp(WAIT));
            TimedCalls.assertStillRunning(call.result, "awaitCaughtUp behind a held publication");

            long cutAt = System.nanoTime();
            zk.cut(client);
            assertFalse(call.valueWithin(cutAt, SLACK, "awaitCaughtUp(20 s) after the connection was cut"));
        }
    }

    @Test
    void ownedNodeAwaitSynced_startedWhileCut_returnsFalseWithinItsTimeout() throws Exception {
        ZkClient client = zk.newClient();
        OwnedNode node = zk.closeAfterTest(OwnedNode.create(client, "/workers/w1", "starting".getBytes(UTF_8)));
        zk.cut(client);
        node.start();

        Call<Boolean> call = Call.start("awaitSynced", () -> node.awaitSynced(SHORT));
        assertFalse(call.valueWithin(SHORT.plus(SLACK), "OwnedNode.awaitSynced(1 s) while cut"));
        zk.restore(client);
        assertTrue(node.awaitSynced(WAIT), "created once the connection is back");
    }

    // ---- untimed calls under a cut connection end by the retry policy's deadline ----

    @Test
    void sharedCounterAndValueCallsWhileCut_failWithZkRecipeExceptionByTheRetryDeadline() throws Exception {
        ZkClient client = zk.newClient(b -> b.retryPolicy(ONE_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
        SharedCounter counter = zk.closeAfterTest(SharedCounter.create(client, "/counters/cut"));
        SharedValue<String> value = zk.closeAfterTest(SharedValue.ofString(client, "/values/cut"));
        assertEquals(1, counter.incrementAndGet());
        long version = value.set("one");
        zk.cut(client);

        // all at once: each call ends by its own deadline, also the compare-and-set queued behind the increment
        List<Call<?>> calls = List.of(Call.start("counter.get", counter::get),
                Call.start("counter.incrementAndGet", counter::incrementAndGet),
                Call.start("counter.compareAndSet", () -> counter.compareAndSet(1, 5)),
                Call.start("value.get", value::get),
                Call.start("value.set", () -> value.set("two")),
                Call.start("value.trySet", () -> value.trySet(version, "three")));
        for (Call<?> call : calls) {
            assertUnreachable(call, ONE_SECOND_RETRIES, call.thread.getName() + " while cut");
        }
        zk.restore(client);
    }

    @Test
    void sharedCounterCallQueuedBehindAWriteWhileCut_failsByItsOwnRetryDeadline() throws Exception {
        ZkClient client = zk.newClient(b -> b.retryPolicy(TWO_SECOND_RETRIES).sessionTimeout(LONG_SESSION));
        SharedCounter counter = zk.closeAfterTest(SharedCounter.create(client, "/counters/queued"));
        assertEquals(1, counter.incrementAndGet());
        zk.cut(client);
        Call<Long> writer = Call.start("writer", counter::incrementAndGet);
        await().atMost(WAIT).until(() -> isWriting(writer.thread));
        Call<Long> queued = Call.start("queued", () -> counter.addAndGet(10));
        await().atMost(WAIT).until(() -> isQueued(queued.thread));

        assertUnreachable(writer, TWO_SECOND_RETRIES, "the writer's incrementAndGet() while cut");
        assertUnreachable(queued, TWO_SECOND_RETRIES, "addAndGet(10) queued behind the writer while cut");
        zk.restore(client);
        long value = counter.get();
        assertTrue(value == 1 || value == 2, "the queued change was never sent: " + value);
    }

    // ---- a thread blocked in a call returns within a second of its client closing ----

    @Test
    void nodeWatcherAwaitInitialized_returnsWithIllegalStateWithinASecondOfItsClientClosing() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(LONG_SESSION));
        NodeWatcher watcher = NodeWatcher.create(client, "/watched");
        zk.cut(client);
        watcher.start();
        Call<Boolean> call = Call.start("awaitInitialized", () -> watcher.awaitInitialized(WAIT));
        call.awaitBlocked();

        assertClosedUnder(client, call, "NodeWatcher.awaitInitialized");
    }

    @Test
    void treeWatcherAwaitInitialized_returnsWithIllegalStateWithinASecondOfItsClientClosing() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(LONG_SESSION));
        TreeWatcher tree = TreeWatcher.create(client, "/tree");
        zk.cut(client);
        tree.start();
        Call<Boolean> call = Call.start("awaitInitialized", () -> tree.awaitInitialized(WAIT));
        call.awaitBlocked();

        assertClosedUnder(client, call, "TreeWatcher.awaitInitialized");
    }

    @Test
    void treeWatcherAwaitCaughtUp_returnsWithIllegalStateWithinASecondOfItsClientClosing() throws Exception {
        ZkClient client = zk.newClient();
        try (HeldPublication held = HeldPublication.of(client, "/tree")) {
            Call<Boolean> call = Call.start("awaitCaughtUp", () -> held.tree.awaitCaughtUp(WAIT));
            TimedCalls.assertStillRunning(call.result, "awaitCaughtUp behind a held publication");

            assertClosedUnder(client, call, "TreeWatcher.awaitCaughtUp");
        }
    }

    @Test
    void ownedNodeAwaitSynced_whileAnotherHoldsThePath_returnsWithIllegalStateWithinASecondOfItsClientClosing()
            throws Exception {
        ZkClient other = zk.newClient();
        create(other, "/workers");
        AsyncOps.join(Session.of(other).ops().create("/workers/w1", new byte[0], CreateMode.EPHEMERAL));
        ZkClient client = zk.newClient();
        OwnedNode node = OwnedNode.create(client, "/workers/w1", "mine".getBytes(UTF_8));
        node.start();
        await().atMost(WAIT).until(() -> node.heldByAnother().equals(OptionalLong.of(other.sessionId())));
        Call<Boolean> call = Call.start("awaitSynced", () -> node.awaitSynced(WAIT));
        call.awaitBlocked();
        long session = client.sessionId();

        assertClosedUnder(client, call, "OwnedNode.awaitSynced");
        Stat stat = AsyncOps.join(Session.of(other).ops().exists("/workers/w1", null));
        assertEquals(other.sessionId(), stat.getEphemeralOwner(), "the other holder's node is untouched");
        assertEquals(List.of(), ownedBy(other, "/workers", session));
    }

    @Test
    void sharedCounterWriterAndCallQueuedBehindIt_returnWithIllegalStateWithinASecondOfTheirClientClosing()
            throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(LONG_SESSION));
        SharedCounter counter = SharedCounter.create(client, "/counters/closed");
        assertEquals(1, counter.incrementAndGet());
        zk.cut(client);
        Call<Long> writer = Call.start("writer", counter::incrementAndGet);
        await().atMost(WAIT).until(() -> isWriting(writer.thread));
        Call<Long> queued = Call.start("queued", () -> counter.addAndGet(10));
        await().atMost(WAIT).until(() -> isQueued(queued.thread));

        long closing = System.nanoTime();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(client::close); // blocks while cut
        assertInstanceOf(IllegalStateException.class, queued.failureWithin(closing, SLACK,
                "addAndGet(10) queued behind a writer, after its client was closed"));
        assertInstanceOf(IllegalStateException.class, writer.failureWithin(closing, SLACK,
                "incrementAndGet() blocked by a cut, after its client was closed"));
        closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        long value = SharedCounter.create(zk.newClient(), "/counters/closed").get();
        assertTrue(value == 1 || value == 2, "the queued change was never sent: " + value);
    }

    @Test
    void sharedValueSetBlockedByACut_returnsWithIllegalStateWithinASecondOfItsClientClosing() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(LONG_SESSION));
        SharedValue<String> value = SharedValue.ofString(client, "/values/closed");
        value.set("one");
        zk.cut(client);
        Call<Long> call = Call.start("set", () -> value.set("two"));
        call.awaitBlocked();

        assertClosedUnder(client, call, "SharedValue.set");
    }

    // ---- helpers ----

    private static void create(ZkClient client, String path) throws KeeperException, InterruptedException {
        AsyncOps.join(Session.of(client).ops().createWithParents(path, new byte[0], CreateMode.PERSISTENT));
    }

    /** Fails unless {@code call} throws a ZkRecipeException saying the ensemble was unreachable, by {@code retries}' deadline. */
    private static void assertUnreachable(Call<?> call, RetryPolicy retries, String what) throws InterruptedException {
        Throwable failure = call.failureWithin(call.startNanos, retries.deadline().plus(SLACK), what);
        ZkRecipeException e = assertInstanceOf(ZkRecipeException.class, failure, what);
        assertTrue(e.code() == KeeperException.Code.CONNECTIONLOSS || e.code() == KeeperException.Code.OPERATIONTIMEOUT,
                what + ": " + e);
    }

    /** Closes {@code client} (on another thread: a close blocks while cut) and expects {@code call} to throw IllegalStateException within a second. */
    private static void assertClosedUnder(ZkClient client, Call<?> call, String what) throws Exception {
        long closing = System.nanoTime();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(client::close);
        Throwable failure = call.failureWithin(closing, SLACK, what + " after its client was closed");
        assertInstanceOf(IllegalStateException.class, failure, what);
        closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Whether the thread writes a batch of the counter (it is past the queue). */
    private static boolean isWriting(Thread t) {
        return hasFrame(t, "apply");
    }

    /** Whether the thread waits in the counter's queue, behind another caller's write. */
    private static boolean isQueued(Thread t) {
        Thread.State state = t.getState();
        return (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) && hasFrame(t, "submit")
                && !hasFrame(t, "writeUntilDone");
    }

    private static boolean hasFrame(Thread t, String method) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(SharedCounter.class.getName()) && e.getMethodName().equals(method)) {
                return true;
            }
        }
        return false;
    }

    /** Every node under {@code path} (recursively) whose ephemeral owner is {@code sessionId}. */
    private static List<String> ownedBy(ZkClient observer, String path, long sessionId) throws Exception {
        List<String> owned = new ArrayList<>();
        Stat stat = AsyncOps.join(Session.of(observer).ops().exists(path, null));
        if (stat == null) {
            return owned;
        }
        if (stat.getEphemeralOwner() == sessionId) {
            owned.add(path);
        }
        for (String child : AsyncOps.join(Session.of(observer).ops().getChildren(path, null)).names()) {
            owned.addAll(ownedBy(observer, path + "/" + child, sessionId));
        }
        return owned;
    }

    /** A call running on its own thread. */
    private static final class Call<T> {
        final CompletableFuture<T> result = new CompletableFuture<>();
        final Thread thread;
        final long startNanos = System.nanoTime();

        private Call(String name, Callable<T> body) {
            thread = new Thread(() -> {
                try {
                    result.complete(body.call());
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            }, "call-" + name);
            thread.setDaemon(true);
        }

        static <T> Call<T> start(String name, Callable<T> body) {
            Call<T> call = new Call<>(name, body);
            call.thread.start();
            return call;
        }

        /** Waits until the call's thread is parked inside it. */
        void awaitBlocked() {
            Predicate<Thread.State> parked = s -> s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
            await("the call is blocked").atMost(WAIT).pollInterval(Duration.ofMillis(5))
                    .until(() -> result.isDone() || parked.test(thread.getState()));
            assertFalse(result.isDone(), "expected the call to block, it ended: " + result);
        }

        T valueWithin(Duration bound, String what) throws InterruptedException {
            return valueWithin(startNanos, bound, what);
        }

        T valueWithin(long fromNanos, Duration bound, String what) throws InterruptedException {
            return TimedCalls.valueWithin(result, fromNanos, bound, what);
        }

        Throwable failureWithin(long fromNanos, Duration bound, String what) throws InterruptedException {
            return TimedCalls.failureWithin(result, fromNanos, bound, what);
        }
    }

    /**
     * A tree watcher whose publication is held: a listener that runs on the watcher's own
     * publishing lane (a direct executor) blocks on the first change after the initial update, so
     * later publications, and with them {@link TreeWatcher#awaitCaughtUp}, wait while connected.
     */
    private static final class HeldPublication implements AutoCloseable {
        final TreeWatcher tree;
        private final CountDownLatch release = new CountDownLatch(1);

        private HeldPublication(TreeWatcher tree) {
            this.tree = tree;
        }

        static HeldPublication of(ZkClient client, String root) throws Exception {
            HeldPublication held = new HeldPublication(zk.closeAfterTest(TreeWatcher.create(client, root)));
            CountDownLatch holding = new CountDownLatch(1);
            held.tree.addListener(update -> {
                if (!update.initial()) {
                    holding.countDown();
                    awaitQuietly(held.release);
                }
            }, Runnable::run);
            held.tree.start();
            assertTrue(held.tree.awaitInitialized(WAIT));
            create(client, root + "/change");
            assertTrue(holding.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the publication is held");
            return held;
        }

        @Override
        public void close() {
            release.countDown();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
