package io.zkrecipes.state;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(90)
class SharedCounterTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void incrementAndGet_eightSessions_exactlyFourThousandDistinctValues() throws Exception {
        List<SharedCounter> counters = counters(8, "/counters/plain");
        List<Long> values = incrementAll(counters, 500, null);
        assertExactlyOnce(values, 4_000);
        assertEquals(4_000, counters.get(0).get());
    }

    @Test
    void incrementAndGet_repliesOfWritesDropped_eachAppliedOnce() throws Exception {
        List<SharedCounter> counters = counters(8, "/counters/dropped");
        AtomicInteger drops = new AtomicInteger();
        List<Long> values = incrementAll(counters, 500, (who, i) -> {
            if (i % 100 == 50 && who < 4) {
                zk.dropNextReply(clientOf(who), OpCode.setData).thenRun(drops::incrementAndGet);
            }
        });
        assertExactlyOnce(values, 4_000);
        assertTrue(drops.get() >= 10, "replies were dropped: " + drops.get());
        assertEquals(4_000, counters.get(5).get());
    }

    @Test
    void incrementAndGet_replyOfTheCreateDropped_appliedOnce() throws Exception {
        ZkClient client = zk.newClient();
        SharedCounter counter = SharedCounter.create(client, "/counters/created");
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, OpCode.create2);
        assertEquals(5, counter.addAndGet(5), "the create that made the node was ours");
        assertTrue(dropped.isDone(), "the create's reply was dropped");
        assertEquals(6, SharedCounter.create(zk.newClient(), "/counters/created").incrementAndGet());
    }

    @Test
    void incrementAndGet_throughSessionExpiry_eachAppliedOnce() throws Exception {
        List<SharedCounter> counters = counters(8, "/counters/expiry");
        List<Long> values = incrementAll(counters, 500, (who, i) -> {
            if (who == 0 && i == 200) {
                zk.expireSession(clientOf(0));
            }
        });
        assertExactlyOnce(values, 4_000);
        assertEquals(4_000, counters.get(3).get());
    }

    @Test
    void incrementAndGet_uncontended_oneWriteAndNoRead() throws Exception {
        ZkClient client = zk.newClient();
        SharedCounter counter = SharedCounter.create(client, "/counters/cost");
        assertEquals(1, counter.incrementAndGet()); // sets the watch, reads, creates
        long total = client.requestStats().total();
        long writes = client.requestStats().count(RequestStats.Type.SET_DATA);
        for (int i = 2; i <= 21; i++) {
            assertEquals(i, counter.incrementAndGet());
        }
        assertEquals(writes + 20, client.requestStats().count(RequestStats.Type.SET_DATA));
        assertEquals(total + 20, client.requestStats().total(), "one request per increment: the watch keeps the value");
    }

    @Test
    void addAndGet_concurrentCallersOnOneCounter_combinedAndEachValueDistinct() throws Exception {
        ZkClient client = zk.newClient();
        SharedCounter counter = SharedCounter.create(client, "/counters/combined");
        counter.incrementAndGet();
        long writesBefore = client.requestStats().count(RequestStats.Type.SET_DATA);
        List<Future<List<Long>>> runs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            runs.add(pool.submit(() -> increments(counter, 100)));
        }
        List<Long> values = new ArrayList<>(List.of(1L));
        for (Future<List<Long>> f : runs) {
            values.addAll(f.get());
        }
        assertExactlyOnce(values, 801);
        long writes = client.requestStats().count(RequestStats.Type.SET_DATA) - writesBefore;
        assertTrue(writes <= 800, "writes: " + writes);
        assertEquals(801, counter.addAndGet(0));
        assertEquals(791, counter.addAndGet(-10));
    }

    @Test
    void addAndGet_callsQueuedBehindAWrite_goOutInOneWrite() throws Exception {
        ZkClient client = zk.newClient();
        SharedCounter counter = SharedCounter.create(client, "/counters/queued");
        counter.incrementAndGet();
        zk.cut(client);
        Future<Long> first = pool.submit(counter::incrementAndGet); // becomes the writer, blocked by the cut
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getState() == Thread.State.TIMED_WAITING && isRetrying(t)));
        List<Future<Long>> queued = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            queued.add(pool.submit(() -> counter.addAndGet(10)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> countWaiting() >= 6);
        long writes = client.requestStats().count(RequestStats.Type.SET_DATA);
        zk.restore(client);
        Set<Long> values = new HashSet<>();
        values.add(first.get(20, TimeUnit.SECONDS));
        for (Future<Long> f : queued) {
            values.add(f.get(20, TimeUnit.SECONDS));
        }
        assertEquals(Set.of(2L, 12L, 22L, 32L, 42L, 52L, 62L), values);
        assertTrue(client.requestStats().count(RequestStats.Type.SET_DATA) - writes <= 2,
                "the writer's own write, then the six queued ones together");
    }

    private static boolean isRetrying(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().endsWith("SharedCounter") && e.getMethodName().equals("apply")) {
                return true;
            }
        }
        return false;
    }

    /** Threads queued in a counter behind another caller's write (waiting in submit, not writing). */
    private static long countWaiting() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> {
            Thread.State state = t.getState();
            if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
                return false;
            }
            boolean inSubmit = false;
            for (StackTraceElement e : t.getStackTrace()) {
                if (e.getClassName().endsWith("SharedCounter")) {
                    if (e.getMethodName().equals("writeUntilDone")) {
                        return false;
                    }
                    inSubmit |= e.getMethodName().equals("submit");
                }
            }
            return inSubmit;
        }).count();
    }

    @Test
    void compareAndSet_racers_oneWinnerPerValue() throws Exception {
        int racers = 6;
        List<SharedCounter> counters = counters(racers, "/counters/cas");
        Map<Long, Integer> winners = new ConcurrentHashMap<>();
        AtomicInteger wins = new AtomicInteger();
        List<Future<?>> runs = new ArrayList<>();
        for (int r = 0; r < racers; r++) {
            SharedCounter c = counters.get(r);
            int who = r;
            runs.add(pool.submit(() -> {
                for (int round = 0; round < 60; round++) {
                    long seen = c.get();
                    if (c.compareAndSet(seen, seen + 1)) {
                        Integer earlier = winners.putIfAbsent(seen, who);
                        assertEquals(null, earlier, "two winners for " + seen);
                        wins.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : runs) {
            f.get();
        }
        assertEquals(wins.get(), counters.get(0).get(), "each win moved the counter by exactly one");
        assertTrue(wins.get() >= 60, "at least one racer wins per round");
    }

    @Test
    void compareAndSet_replyDropped_settledAsWonAndAppliedOnce() throws Exception {
        ZkClient client = zk.newClient();
        SharedCounter counter = SharedCounter.create(client, "/counters/cas-dropped");
        counter.addAndGet(5);
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, OpCode.setData);
        assertTrue(counter.compareAndSet(5, 9), "the write whose reply was lost is found in the writers' table");
        assertTrue(dropped.isDone(), "the reply was dropped");
        assertEquals(9, counter.get());
        assertFalse(counter.compareAndSet(5, 9));
        assertEquals(10, counter.incrementAndGet());
    }

    @Test
    void compareAndSet_staleExpectation_falseAndNothingWritten() throws Exception {
        SharedCounter a = SharedCounter.create(zk.newClient(), "/counters/stale");
        SharedCounter b = SharedCounter.create(zk.newClient(), "/counters/stale");
        assertTrue(a.compareAndSet(0, 10));
        assertEquals(11, b.incrementAndGet());
        assertFalse(a.compareAndSet(10, 20), "a read during the call shows 11");
        assertTrue(a.compareAndSet(11, 20));
        assertEquals(20, b.get());
    }

    @Test
    void incrementAndGet_replyLostAndManyWritersSince_throwsOutcomeUnknown() throws Exception {
        ZkClient client = zk.newClient();
        SharedCounter counter = SharedCounter.create(client, "/counters/unknown");
        counter.incrementAndGet();
        zk.dropNextReply(client, OpCode.setData).thenRun(() -> zk.cut(client));
        Future<Long> lost = pool.submit(counter::incrementAndGet);
        await().atMost(Duration.ofSeconds(20)).until(() -> !client.isConnected());
        ZkClient other = zk.newClient();
        for (int w = 0; w < SharedCounter.WRITERS_KEPT + 1; w++) {
            SharedCounter.create(other, "/counters/unknown").incrementAndGet();
        }
        zk.restore(client);
        ExecutionException e = assertThrows(ExecutionException.class, () -> lost.get(30, TimeUnit.SECONDS));
        assertInstanceOf(OutcomeUnknownException.class, e.getCause());
        assertEquals(SharedCounter.WRITERS_KEPT + 3, counter.get(), "the lost write was applied; nothing else doubled");
    }

    @Test
    void incrementAndGet_whileConnectionCut_completesOnceRestored() throws Exception {
        ZkClient client = zk.newClient();
        SharedCounter counter = SharedCounter.create(client, "/counters/cut");
        SharedCounter other = SharedCounter.create(zk.newClient(), "/counters/cut");
        assertEquals(1, counter.incrementAndGet());
        zk.cut(client);
        Future<Long> pending = pool.submit(counter::incrementAndGet);
        assertEquals(2, other.incrementAndGet());
        zk.restore(client);
        assertEquals(3, pending.get(20, TimeUnit.SECONDS));
        assertEquals(4, counter.incrementAndGet());
    }

    @Test
    void incrementAndGet_acrossServerRestart_noIncrementLost() throws Exception {
        SharedCounter counter = SharedCounter.create(zk.newClient(), "/counters/restart");
        counter.addAndGet(5);
        zk.killServer(0);
        Future<Long> pending = pool.submit(counter::incrementAndGet);
        zk.restartServer(0);
        assertEquals(6, pending.get(30, TimeUnit.SECONDS));
        assertEquals(7, counter.incrementAndGet());
    }

    @Test
    void listener_seesIncreasingValuesAndTheLatest() throws Exception {
        List<SharedCounter> counters = counters(3, "/counters/listened");
        SharedCounter watcher = SharedCounter.create(zk.newClient(), "/counters/listened");
        List<Long> seen = new CopyOnWriteArrayList<>();
        watcher.addListener(seen::add);
        incrementAll(counters, 100, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen.isEmpty() && seen.get(seen.size() - 1) == 300);
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) > seen.get(i - 1), "in order, never repeated: " + seen);
        }
    }

    @Test
    void listener_afterSessionExpiry_seesChangesMadeMeanwhile() throws Exception {
        ZkClient client = zk.newClient();
        SharedCounter watcher = SharedCounter.create(client, "/counters/resync");
        SharedCounter writer = SharedCounter.create(zk.newClient(), "/counters/resync");
        writer.incrementAndGet();
        List<Long> seen = new CopyOnWriteArrayList<>();
        watcher.addListener(seen::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(1L));
        zk.cut(client);
        writer.addAndGet(10);
        await().atMost(Duration.ofSeconds(20)).until(() -> !client.isLive()); // past the session timeout: LOST
        zk.restore(client);
        await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains(11L));
        writer.incrementAndGet();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(12L));
    }

    @Test
    void badInput_rejectedBeforeAnythingIsSent() throws Exception {
        ZkClient client = zk.newClient();
        long before = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> SharedCounter.create(null, "/c"));
        assertThrows(NullPointerException.class, () -> SharedCounter.create(client, null));
        assertThrows(IllegalArgumentException.class, () -> SharedCounter.create(client, "c"));
        assertThrows(IllegalArgumentException.class, () -> SharedCounter.create(client, "/c/"));
        assertThrows(IllegalArgumentException.class, () -> SharedCounter.create(client, "/"));
        SharedCounter counter = SharedCounter.create(client, "/counters/bad");
        assertThrows(NullPointerException.class, () -> counter.addListener(null));
        assertEquals(before, client.requestStats().total(), "nothing sent");
        AsyncOps.join(Session.of(client).ops().createWithParents("/counters/garbage",
                "seven".getBytes(StandardCharsets.US_ASCII), CreateMode.PERSISTENT));
        SharedCounter garbage = SharedCounter.create(client, "/counters/garbage");
        IllegalStateException e = assertThrows(IllegalStateException.class, garbage::incrementAndGet);
        assertTrue(e.getMessage().contains("not a counter"), e.getMessage());
    }

    @Test
    void plainEightByteValue_isReadAndKeptCounting() throws Exception {
        ZkClient client = zk.newClient();
        AsyncOps.join(Session.of(client).ops().createWithParents("/counters/foreign",
                ByteBuffer.allocate(8).putLong(41).array(), CreateMode.PERSISTENT));
        SharedCounter counter = SharedCounter.create(client, "/counters/foreign");
        assertEquals(41, counter.get());
        assertEquals(42, counter.incrementAndGet());
        byte[] data = AsyncOps.join(Session.of(client).ops().getData("/counters/foreign", null)).data();
        assertEquals(42, ByteBuffer.wrap(data).getLong(), "the first 8 bytes stay the value");
    }

    @Test
    void close_whileAChangeIsBeingApplied_itSettlesAndQueuedOnesFail() throws Exception {
        ZkClient client = zk.newClient();
        SharedCounter counter = SharedCounter.create(client, "/counters/close-in-flight");
        counter.incrementAndGet();
        zk.cut(client);
        Future<Long> inFlight = pool.submit(counter::incrementAndGet);
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getState() == Thread.State.TIMED_WAITING && isRetrying(t)));
        Future<Long> queued = pool.submit(counter::incrementAndGet);
        await().atMost(Duration.ofSeconds(10)).until(() -> countWaiting() >= 1);
        counter.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> queued.get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause(), "queued, never sent: not applied");
        zk.restore(client);
        assertEquals(2, inFlight.get(20, TimeUnit.SECONDS));
        assertEquals(2, SharedCounter.create(client, "/counters/close-in-flight").get());
    }

    @Test
    void useAfterClose_throwsIllegalState() throws Exception {
        ZkClient client = zk.newClient();
        SharedCounter counter = SharedCounter.create(client, "/counters/closed");
        counter.incrementAndGet();
        counter.close();
        counter.close();
        assertThrows(IllegalStateException.class, counter::get);
        assertThrows(IllegalStateException.class, counter::incrementAndGet);
        assertThrows(IllegalStateException.class, () -> counter.compareAndSet(1, 2));
        assertThrows(IllegalStateException.class, () -> counter.addListener(v -> { }));
        SharedCounter onClosedClient = SharedCounter.create(client, "/counters/closed");
        client.close();
        assertThrows(IllegalStateException.class, onClosedClient::incrementAndGet);
        assertThrows(IllegalStateException.class, () -> SharedCounter.create(client, "/counters/closed"));
    }

    // ---- helpers ----

    private final List<ZkClient> clients = new CopyOnWriteArrayList<>();

    private ZkClient clientOf(int who) {
        return clients.get(who);
    }

    private List<SharedCounter> counters(int sessions, String path) {
        List<SharedCounter> out = new ArrayList<>();
        clients.clear();
        for (int s = 0; s < sessions; s++) {
            ZkClient c = zk.newClient();
            clients.add(c);
            out.add(SharedCounter.create(c, path));
        }
        return out;
    }

    /** What a process does before its {@code i}-th increment (a fault, say); null for nothing. */
    private interface Before {
        void run(int who, int i) throws Exception;
    }

    private List<Long> incrementAll(List<SharedCounter> counters, int each, Before before) throws Exception {
        List<Future<List<Long>>> runs = new ArrayList<>();
        for (int s = 0; s < counters.size(); s++) {
            SharedCounter c = counters.get(s);
            int who = s;
            runs.add(pool.submit(() -> {
                List<Long> mine = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    if (before != null) {
                        before.run(who, i);
                    }
                    mine.add(c.incrementAndGet());
                }
                return mine;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> f : runs) {
            List<Long> mine = f.get();
            for (int i = 1; i < mine.size(); i++) {
                assertTrue(mine.get(i) > mine.get(i - 1), "one process's values increase");
            }
            all.addAll(mine);
        }
        return all;
    }

    private static List<Long> increments(SharedCounter counter, int count) throws InterruptedException {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(counter.incrementAndGet());
        }
        return out;
    }

    /** Exactly the values 1..n, each once: no increment lost, none doubled, every value one the counter had. */
    private static void assertExactlyOnce(List<Long> values, int n) {
        Set<Long> distinct = new HashSet<>(values);
        assertEquals(values.size(), distinct.size(), "every returned value distinct");
        assertEquals(n, values.size());
        for (long v = 1; v <= n; v++) {
            assertTrue(distinct.contains(v), "missing value " + v);
        }
    }
}
