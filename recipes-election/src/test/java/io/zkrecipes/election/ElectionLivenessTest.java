package io.zkrecipes.election;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.LeaderHistory;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Liveness of a participant: how long it believes in a leadership it may have lost, whether a join
 * whose reply was lost leaves a node behind, and whether its blocking calls return within their
 * bounds whatever the network, the client or user code does.
 */
@Timeout(60)
class ElectionLivenessTest {
    private static final String PATH = "/election";
    private static final Duration SESSION_TIMEOUT = ZkTestServers.SESSION_TIMEOUT;
    /** Room for the client's own timer past the session timeout before a belief must have changed. */
    private static final Duration GRACE = Duration.ofMillis(250);
    /** How long a blocking call may take beyond the moment it should return. */
    private static final Duration PROMPT = Duration.ofSeconds(1);
    private static final Duration RETRY_DEADLINE = Duration.ofSeconds(1);
    /** Long enough that no session ends during a test's outage. */
    private static final Duration LONG_SESSION = Duration.ofSeconds(10);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    // ---- a partitioned leader with step-down disabled ----

    @Test
    void stepDownDisabled_partitionedLeaderStopsLeadingOnceItsSessionTimeoutHasPassed() throws Exception {
        Group g = new Group(zk, PATH);
        LeaderElection partitioned = g.add(b -> b.stepDownOnSuspended(false));
        LeaderElection other = g.add(b -> b);
        assertTrue(partitioned.awaitLeadership(Group.WAIT));
        ZkClient cutClient = g.clientOf(partitioned);

        long cutAt = System.nanoTime();
        long sessionGone = cutAt + SESSION_TIMEOUT.plus(GRACE).toNanos();
        try (Sampler sampler = new Sampler(g.elections, sessionGone)) {
            zk.cut(cutClient);

            await("the partitioned leader to stop leading within the session timeout + 1 s, while still cut")
                    .atMost(leftOf(cutAt, SESSION_TIMEOUT.plus(PROMPT))).pollInterval(Duration.ofMillis(5))
                    .until(() -> !partitioned.hasLeadership());
            assertFalse(cutClient.isConnected());
            assertTrue(other.awaitLeadership(Group.WAIT)); // its session expired on the server
            await().atMost(Group.WAIT).until(() -> sampler.sampledPast(cutAt + SESSION_TIMEOUT.plus(PROMPT).toNanos()));

            sampler.close();
            sampler.sinceSessionGone.assertNoConcurrentLeaders();
            sampler.all.assertSafe();
        }
    }

    // ---- a join whose create reply is lost ----

    @Test
    void joinWhoseCreateReplyIsLost_thenOutagePastTheRetryDeadline_leavesOneNodeAndALeader() throws Exception {
        Group g = Group.start(zk, PATH, 1);
        LeaderElection first = g.awaitOneLeader();
        ZkClient admin = g.clients.get(0);
        // outage: longer than the retry deadline, well within the session timeout
        Duration outage = RETRY_DEADLINE.plusSeconds(3);
        RetryPolicy shortRetries = RetryPolicy.exponentialBackoff(Duration.ofMillis(50), Duration.ofMillis(200),
                RETRY_DEADLINE);
        ZkClient client = zk.newClient(b -> b.sessionTimeout(Duration.ofSeconds(12)).retryPolicy(shortRetries));
        LeaderElection late = zk.closeAfterTest(LeaderElection.builder(client, PATH, "late").build());
        long session = client.sessionId();

        // the join's create is applied on the server, its reply dropped; the connection is cut from
        // the proxy's thread right away, before the client can reconnect and find its node. The join
        // sends its node as a create2 (pipelined with a listing); a join sent as a multi needs OpCode.multi.
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, ZooDefs.OpCode.create2);
        CompletableFuture<Void> cut = dropped.thenRun(() -> zk.cut(client));
        late.start();
        dropped.get(Group.WAIT.toSeconds(), TimeUnit.SECONDS);
        cut.get(ZkTestServers.FAULT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        holdOutage(client, outage);
        zk.restore(client);
        assertEquals(session, client.sessionId()); // the outage was shorter than the session

        first.close(); // the late participant is next in line, unless a node of its own is ahead of it

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            List<String> own = nodesOf(admin, session);
            assertEquals(1, own.size(), "nodes of the late participant's session: " + own
                    + "; election: " + g.nodes(admin));
            assertTrue(late.hasLeadership(), "the late participant, alone in the election, does not lead");
        });
    }

    // ---- close and resign while the leader's task ignores interrupts ----

    @Test
    void close_returnsWithinABound_whenTheLeaderTaskIgnoresInterrupts() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Group g = new Group(zk, PATH);
        LeaderElection leader = g.add(b -> b.runWhileLeading(ignoringInterrupts(running, release)));
        try {
            assertTrue(running.await(Group.WAIT.toSeconds(), TimeUnit.SECONDS));

            returnsWithin(inThread("close", () -> {
                leader.close();
                return null;
            }), Duration.ofSeconds(2), "close() of a leader whose task ignores interrupts");
            assertFalse(leader.hasLeadership());
        } finally {
            release.countDown();
        }
    }

    @Test
    void resign_returnsWithinABound_whenTheLeaderTaskIgnoresInterrupts() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Group g = new Group(zk, PATH);
        LeaderElection leader = g.add(b -> b.runWhileLeading(ignoringInterrupts(running, release)));
        try {
            assertTrue(running.await(Group.WAIT.toSeconds(), TimeUnit.SECONDS));

            returnsWithin(inThread("resign", () -> {
                leader.resign();
                return null;
            }), Duration.ofSeconds(2), "resign() of a leader whose task ignores interrupts");
            assertFalse(leader.hasLeadership());
        } finally {
            release.countDown();
        }
    }

    // ---- slow user callbacks ----

    @Test
    void slowListenerOfOneElection_doesNotDelayTheHandOffOfAnotherOnTheSameClient() throws Exception {
        ZkClient shared = zk.newClient();
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        LeaderElection slow = zk.closeAfterTest(LeaderElection.builder(shared, "/slow", "slow")
                .listener(blockingOnGain(stuck, release)).build());
        CountDownLatch quickTold = new CountDownLatch(1);
        LeaderElection quick = zk.closeAfterTest(LeaderElection.builder(shared, PATH, "quick")
                .listener(onGain(quickTold)).build());
        Group g = Group.start(zk, PATH, 1); // leads PATH on a client of its own, ahead of quick
        try {
            slow.start();
            assertTrue(stuck.await(Group.WAIT.toSeconds(), TimeUnit.SECONDS)); // now blocked in leadershipGained
            quick.start();
            await().atMost(Group.WAIT).until(() -> g.nodes(shared).size() == 2);

            g.elections.get(0).close();

            assertTrue(quick.awaitLeadership(PROMPT), "hand-off delayed by another election's listener");
            assertTrue(quickTold.await(PROMPT.toMillis(), TimeUnit.MILLISECONDS),
                    "quick's own listener delayed by another election's listener");
        } finally {
            release.countDown();
        }
    }

    @Test
    void slowConnectionListener_doesNotDelayAnObserverCatchingUpAfterReconnecting() throws Exception {
        Group g = Group.start(zk, PATH, 2);
        assertEquals("p0", g.awaitOneLeader().id());
        ZkClient client = zk.newClient();
        CountDownLatch release = new CountDownLatch(1);
        client.addListener((c, state) -> { // registered first, so it is told first
            if (state == ConnectionState.RECONNECTED) {
                awaitQuietly(release, Duration.ofSeconds(10)); // a user listener that takes its time
            }
        });
        LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(client, PATH));
        observer.start();
        assertTrue(observer.awaitInitialized(Group.WAIT));
        assertEquals("p0", observer.leader().map(Participant::id).orElse("none"));
        try {
            zk.cut(client);
            g.elections.get(0).close(); // unseen by the observer: it is cut off
            assertTrue(g.elections.get(1).awaitLeadership(Group.WAIT));
            // restored from another thread: the helper waits for RECONNECTED behind the slow listener
            CompletableFuture<Object> restored = inThread("restore", () -> {
                zk.restore(client);
                return null;
            });
            await().atMost(Group.WAIT).until(client::isConnected);

            await("the observer to report the new leader within 1 s of reconnecting").atMost(PROMPT)
                    .until(() -> observer.leader().map(Participant::id).orElse("none").equals("p1"));
            release.countDown();
            restored.get(ZkTestServers.FAULT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            release.countDown();
        }
    }

    // ---- blocking calls under a closed client or a cut connection ----

    @Test
    void awaitLeadership_returnsWithinASecondOfItsClientClosing_andLeavesNoNode() throws Exception {
        Group g = Group.start(zk, PATH, 2);
        assertEquals("p0", g.awaitOneLeader().id());
        LeaderElection waiter = g.elections.get(1);
        CompletableFuture<String> waiting = inThread("await", () -> awaitOutcome(waiter, Group.WAIT));

        g.clients.get(1).close();

        assertNotEquals("leading", returnsWithin(waiting, PROMPT, "awaitLeadership after its client was closed"));
        assertEquals(1, g.nodes(g.clients.get(0)).size());
    }

    @Test
    void awaitLeadership_returnsFalseWithinItsTimeoutWhileTheConnectionIsCut() throws Exception {
        Group g = Group.start(zk, PATH, 2);
        LeaderElection leader = g.awaitOneLeader();
        zk.cut(g.clientOf(leader)); // it steps down, and cannot lead again until the connection is back

        Duration timeout = Duration.ofSeconds(1);
        String outcome = returnsWithin(inThread("await", () -> awaitOutcome(leader, timeout)),
                timeout.plus(PROMPT), "awaitLeadership(1 s) while the connection is cut");

        assertEquals("false", outcome);
        zk.restore(g.clientOf(leader));
    }

    @Test
    void awaitLeadership_ofAParticipantStartedWhileCut_returnsFalseWithinItsTimeout() throws Exception {
        ZkClient client = zk.newClient();
        LeaderElection e = zk.closeAfterTest(LeaderElection.builder(client, PATH, "cut").build());
        zk.cut(client);
        e.start(); // the join cannot reach the server

        Duration timeout = Duration.ofSeconds(1);
        String outcome = returnsWithin(inThread("await", () -> awaitOutcome(e, timeout)),
                timeout.plus(PROMPT), "awaitLeadership(1 s) of a participant that could not join");

        assertEquals("false", outcome);
        zk.restore(client);
    }

    @Test
    void close_returnsWithinABound_whileTheJoinIsRetryingUnderACut() throws Exception {
        ZkClient client = zk.newClient();
        LeaderElection e = zk.closeAfterTest(LeaderElection.builder(client, PATH, "cut").build());
        zk.cut(client);
        e.start(); // the join cannot reach the server and is retried
        try {
            returnsWithin(inThread("close", () -> {
                e.close();
                return null;
            }), Duration.ofSeconds(2), "close() while the join is retried under a cut");
        } finally {
            zk.restore(client);
        }
    }

    @Test
    void observerAwaitInitialized_returnsWithinASecondOfItsClientClosing() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(LONG_SESSION));
        LeaderObserver observer = LeaderObserver.create(client, PATH);
        zk.cut(client);
        observer.start(); // the listing cannot reach the server
        CompletableFuture<Boolean> waiting = inThread("awaitInitialized", () -> observer.awaitInitialized(Group.WAIT));
        TimedCalls.assertStillRunning(waiting, "awaitInitialized of an observer started while cut");

        long closing = System.nanoTime();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(client::close); // blocks while cut
        Throwable failure = TimedCalls.failureWithin(waiting, closing, PROMPT,
                "LeaderObserver.awaitInitialized after its client was closed");
        assertInstanceOf(IllegalStateException.class, failure);
        closed.get(Group.WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void leader_whileCut_failsWithZkRecipeExceptionByTheRetryDeadline() throws Exception {
        Group g = Group.start(zk, PATH, 1);
        g.awaitOneLeader();
        ZkClient client = zk.newClient(b -> b.sessionTimeout(LONG_SESSION).retryPolicy(RetryPolicy.exponentialBackoff(
                Duration.ofMillis(50), Duration.ofMillis(200), RETRY_DEADLINE)));
        LeaderElection follower = zk.closeAfterTest(LeaderElection.builder(client, PATH, "follower").build());
        follower.start();
        await().atMost(Group.WAIT).until(() -> g.nodes(client).size() == 2);
        assertEquals("p0", follower.leader().map(Participant::id).orElse("none"));
        zk.cut(client);
        try {
            long start = System.nanoTime();
            Throwable failure = TimedCalls.failureWithin(inThread("leader", follower::leader), start,
                    RETRY_DEADLINE.plus(PROMPT), "leader() while cut");
            ZkRecipeException e = assertInstanceOf(ZkRecipeException.class, failure);
            assertTrue(e.code() == KeeperException.Code.CONNECTIONLOSS
                    || e.code() == KeeperException.Code.OPERATIONTIMEOUT, e.toString());
        } finally {
            zk.restore(client);
        }
    }

    @Test
    void writeAsLeader_whileCut_throwsNotLeaderAtOnce() throws Exception {
        Group g = new Group(zk, PATH);
        LeaderElection leader = g.add(b -> b);
        assertTrue(leader.awaitLeadership(Group.WAIT));
        ZkClient client = g.clientOf(leader);
        zk.cut(client); // it steps down on SUSPENDED
        try {
            long start = System.nanoTime();
            Throwable failure = TimedCalls.failureWithin(inThread("write", () -> leader.writeAsLeader(
                    List.of(Op.create("/written", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)))),
                    start, PROMPT, "writeAsLeader while cut");
            assertInstanceOf(NotLeaderException.class, failure);
        } finally {
            zk.restore(client);
        }
        assertNull(client.unwrap().exists("/written", false), "nothing was written");
    }

    @Test
    void writeAsLeader_ofALeaderKeptThroughSuspension_failsWithinTheSessionTimeoutWhileCut() throws Exception {
        Group g = new Group(zk, PATH);
        LeaderElection leader = g.add(b -> b.stepDownOnSuspended(false));
        assertTrue(leader.awaitLeadership(Group.WAIT));
        ZkClient client = g.clientOf(leader);
        zk.cut(client);
        try {
            assertTrue(leader.hasLeadership(), "it keeps leading while suspended");
            long start = System.nanoTime();
            Throwable failure = TimedCalls.failureWithin(inThread("write", () -> leader.writeAsLeader(
                    List.of(Op.create("/written", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)))),
                    start, SESSION_TIMEOUT, "writeAsLeader of a leader kept through SUSPENDED, while cut");
            assertTrue(failure instanceof ZkRecipeException, "fails as unreachable: " + failure);
        } finally {
            zk.restore(client);
        }
        assertNull(client.unwrap().exists("/written", false), "nothing was written");
    }

    // ---- helpers ----

    /** A leader task that goes on working through interrupts until {@code release}. */
    private static LeaderTask ignoringInterrupts(CountDownLatch running, CountDownLatch release) {
        return epoch -> {
            running.countDown();
            while (true) {
                try {
                    if (release.await(10, TimeUnit.SECONDS)) {
                        return;
                    }
                } catch (InterruptedException ignored) {
                    // keeps working: this is the misbehaving task under test
                }
            }
        };
    }

    private static LeadershipListener blockingOnGain(CountDownLatch stuck, CountDownLatch release) {
        return new LeadershipListener() {
            @Override
            public void leadershipGained(LeaderElection election, long epoch) {
                stuck.countDown();
                awaitQuietly(release, Duration.ofSeconds(10));
            }

            @Override
            public void leadershipLost(LeaderElection election) {
            }
        };
    }

    private static LeadershipListener onGain(CountDownLatch told) {
        return new LeadershipListener() {
            @Override
            public void leadershipGained(LeaderElection election, long epoch) {
                told.countDown();
            }

            @Override
            public void leadershipLost(LeaderElection election) {
            }
        };
    }

    /** "leading", "false" or "closed" (the documented IllegalStateException). */
    private static String awaitOutcome(LeaderElection e, Duration timeout) throws InterruptedException {
        try {
            return e.awaitLeadership(timeout) ? "leading" : "false";
        } catch (IllegalStateException closed) {
            return "closed";
        }
    }

    private static <T> CompletableFuture<T> inThread(String name, Callable<T> body) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "test-" + name);
        t.setDaemon(true);
        t.start();
        return result;
    }

    private static <T> T returnsWithin(CompletableFuture<T> call, Duration bound, String what)
            throws InterruptedException {
        try {
            return call.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not return within " + bound);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed", e.getCause());
        }
    }

    private static void awaitQuietly(CountDownLatch latch, Duration max) {
        try {
            latch.await(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Keeps the cut in place for {@code d} (its length is the point here), checking that it holds. */
    private static void holdOutage(ZkClient client, Duration d) {
        await().during(d).atMost(d.plusSeconds(2)).until(() -> !client.isConnected());
    }

    private static Duration leftOf(long startNanos, Duration bound) {
        return Duration.ofNanos(Math.max(1_000_000, startNanos + bound.toNanos() - System.nanoTime()));
    }

    /** The election's nodes owned by session {@code sessionId}, read through {@code admin}. */
    private static List<String> nodesOf(ZkClient admin, long sessionId) throws KeeperException, InterruptedException {
        List<String> owned = new ArrayList<>();
        for (String name : admin.unwrap().getChildren(PATH, false)) {
            Stat stat = admin.unwrap().exists(PATH + "/" + name, false);
            if (stat != null && stat.getEphemeralOwner() == sessionId) {
                owned.add(name);
            }
        }
        return owned;
    }

    /**
     * Samples every participant's belief about once a millisecond into {@link #all}, and from
     * {@code windowStart} (a {@link System#nanoTime()}) on also into {@link #sinceSessionGone},
     * which starts with every participant's belief at that moment.
     */
    private static final class Sampler implements AutoCloseable {
        final LeaderHistory all = new LeaderHistory();
        final LeaderHistory sinceSessionGone = new LeaderHistory();
        private final List<LeaderElection> elections;
        private final long windowStart;
        private final Thread thread;
        private volatile boolean stop;
        private volatile long lastSweepStart;
        private volatile boolean swept;

        Sampler(List<LeaderElection> elections, long windowStart) {
            this.elections = List.copyOf(elections);
            this.windowStart = windowStart;
            this.thread = new Thread(this::run, "sampler");
            thread.setDaemon(true);
            thread.start();
        }

        /** Whether a whole sweep of samples was taken after {@code nanos}. */
        boolean sampledPast(long nanos) {
            return swept && lastSweepStart - nanos >= 0;
        }

        private void run() {
            OptionalLong[] last = new OptionalLong[elections.size()];
            OptionalLong[] lastInWindow = new OptionalLong[elections.size()];
            while (!stop) {
                long now = System.nanoTime();
                for (int i = 0; i < elections.size(); i++) {
                    OptionalLong epoch = elections.get(i).fencingToken();
                    record(all, last, i, epoch);
                    if (now - windowStart >= 0) {
                        record(sinceSessionGone, lastInWindow, i, epoch);
                    }
                }
                lastSweepStart = now;
                swept = true;
                LockSupport.parkNanos(1_000_000);
            }
        }

        private void record(LeaderHistory history, OptionalLong[] last, int i, OptionalLong epoch) {
            if (!epoch.equals(last[i])) {
                last[i] = epoch;
                history.record(elections.get(i).id(), epoch.orElse(-1), epoch.isPresent());
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
        }
    }
}
