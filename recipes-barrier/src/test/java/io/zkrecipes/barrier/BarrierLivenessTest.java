package io.zkrecipes.barrier;

import static io.zkrecipes.testing.TimedCalls.assertStillRunning;
import static io.zkrecipes.testing.TimedCalls.cutAt;
import static io.zkrecipes.testing.TimedCalls.endsWithin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Liveness of both barriers: a timed call ends within its timeout plus a second whatever the
 * network does, a call waiting without a timeout ends soon after its client is closed and leaves
 * no member node, and a barrier that is made but never used holds nothing on its client.
 */
@Timeout(30)
class BarrierLivenessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    /** What a timed call may take past its timeout. */
    private static final Duration SLACK = Duration.ofSeconds(1);
    private static final Duration LONG = Duration.ofHours(1);
    /**
     * When, after a timed call starts, its connection is cut in the tests of a cut near the deadline:
     * the clean-up sent at the deadline then finds no connection for the whole of the next second
     * (a client of one server waits at least a second before it tries to connect again).
     */
    private static final Duration CUT_AT = Duration.ofMillis(950);
    private static final String GATE = "/deploy/gate";
    private static final String SYNC = "/jobs/sync";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    // ---- timed calls under a connection cut (observation 1) ----

    @Test
    void distributedBarrierAwait_calledWhileConnectionIsCut_returnsFalseWithinTimeout() throws Exception {
        ZkClient client = zk.newClient();
        DistributedBarrier barrier = DistributedBarrier.create(client, GATE);
        barrier.set();
        zk.cut(client);
        assertFalse(valueWithin(TIMEOUT.plus(SLACK), "await(1 s) while cut", () -> barrier.await(TIMEOUT)));
    }

    @Test
    void distributedBarrierAwait_cutWhileWaiting_returnsFalseWithinTimeout() throws Exception {
        ZkClient client = zk.newClient();
        DistributedBarrier barrier = DistributedBarrier.create(client, GATE);
        barrier.set();
        long start = System.nanoTime();
        Future<Boolean> waiting = threads.submit(() -> barrier.await(TIMEOUT));
        zk.cut(client);
        assertFalse(TimedCalls.valueWithin(waiting, start, TIMEOUT.plus(SLACK), "await(1 s) cut while waiting"));
    }

    @Test
    void doubleBarrierEnter_calledWhileConnectionIsCut_returnsFalseWithinTimeout() throws Exception {
        ZkClient client = zk.newClient();
        DoubleBarrier.create(zk.newClient(), SYNC, 3, "first").enter(Duration.ZERO); // the round exists
        DoubleBarrier member = DoubleBarrier.create(client, SYNC, 3, "m00");
        zk.cut(client);
        assertFalse(valueWithin(TIMEOUT.plus(SLACK), "enter(1 s) while cut", () -> member.enter(TIMEOUT)));
    }

    @Test
    void doubleBarrierEnter_cutJustBeforeItsDeadline_returnsFalseWithinTimeout() throws Exception {
        ZkClient client = zk.newClient();
        ZkClient reader = zk.newClient();
        DoubleBarrier member = DoubleBarrier.create(client, SYNC, 2, "m00");
        long start = System.nanoTime();
        Future<Boolean> entering = threads.submit(() -> member.enter(TIMEOUT));
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(5))
                .until(() -> Members.membersOf(reader, SYNC, 1).contains("m00"));
        cutAt(zk, client, start, CUT_AT);
        assertFalse(TimedCalls.valueWithin(entering, start, TIMEOUT.plus(SLACK), "enter(1 s) cut just before its deadline"));
    }

    @Test
    void doubleBarrierLeave_cutJustBeforeItsDeadline_returnsFalseWithinTimeout() throws Exception {
        try (Members m = new Members(zk, SYNC, 2, 2)) {
            DoubleBarrierTest.enterAll(m, 2);
            long start = System.nanoTime();
            Future<Boolean> leaving = m.start(0, b -> b.leave(TIMEOUT)); // m00, the lowest, waits for m01
            cutAt(zk, m.clients.get(0), start, CUT_AT);
            assertFalse(TimedCalls.valueWithin(leaving, start, TIMEOUT.plus(SLACK), "leave(1 s) cut just before its deadline"));
        }
    }

    // ---- waits without a timeout, then the client is closed (observation 2) ----

    @Test
    void distributedBarrierAwait_untimed_endsWithinASecondOfItsClientClosing() throws Exception {
        ZkClient client = zk.newClient();
        DistributedBarrier barrier = DistributedBarrier.create(client, GATE);
        barrier.set();
        Future<Void> waiting = threads.submit(() -> {
            barrier.await();
            return null;
        });
        assertStillRunning(waiting, "await() on a barrier that is up");
        client.close();
        endsWithin(waiting, SLACK, "await() after its client was closed");
        assertTrue(DistributedBarrier.create(zk.newClient(), GATE).isSet(), "the barrier itself is left up");
    }

    @Test
    void doubleBarrierEnter_waitingForTheOthers_endsWithinASecondOfItsClientClosingAndLeavesNoNode()
            throws Exception {
        ZkClient client = zk.newClient();
        ZkClient reader = zk.newClient();
        DoubleBarrier member = DoubleBarrier.create(client, SYNC, 2, "m00");
        Future<Boolean> entering = threads.submit(() -> member.enter(LONG));
        await().atMost(Duration.ofSeconds(10)).until(() -> Members.membersOf(reader, SYNC, 1).contains("m00"));
        assertStillRunning(entering, "enter() with one of two members in");
        client.close();
        endsWithin(entering, SLACK, "enter() after its client was closed");
        assertEquals(List.of(), Members.membersOf(reader, SYNC, 1), "member nodes left in round 1");
    }

    @Test
    void doubleBarrierLeave_waitingForTheOthers_endsWithinASecondOfItsClientClosingAndLeavesNoNode()
            throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, SYNC, 2, 2)) {
            DoubleBarrierTest.enterAll(m, 2);
            Future<Boolean> leaving = m.start(0, b -> b.leave(LONG)); // m00 waits for m01
            assertStillRunning(leaving, "leave() of the lowest member while the other is in");
            m.clients.get(0).close();
            endsWithin(leaving, SLACK, "leave() after its client was closed");
            assertEquals(List.of("m01"), Members.membersOf(reader, SYNC, 1), "m00's node is left behind");
        }
    }

    // ---- a barrier that is made and never used (observation 12) ----

    @Test
    void barriersMadeButNeverUsed_retainNothingOnTheirClient() throws Exception {
        ZkClient client = zk.newClient();
        int made = 1_000;
        long before = liveLibraryObjects();
        for (int i = 0; i < made; i++) {
            DistributedBarrier.create(client, GATE + i);
            DoubleBarrier.create(client, SYNC + i, 2, "m" + i);
        }
        long retained = liveLibraryObjects() - before;
        // making a barrier must register nothing on the client: nothing would ever remove it
        assertTrue(retained < made / 2, 2 * made + " barriers made and dropped left " + retained
                + " library objects reachable from their client");
    }

    // ---- helpers ----

    /** Runs {@code call} on its own thread; fails unless it returns within {@code bound}. */
    private <T> T valueWithin(Duration bound, String what, Callable<T> call) throws Exception {
        long start = System.nanoTime();
        return TimedCalls.valueWithin(threads.submit(call), start, bound, what);
    }

    /**
     * Instances of this library's classes still reachable after a full collection, from the JVM's
     * class histogram (the collection is part of the command).
     */
    private static long liveLibraryObjects() throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        long count = 0;
        for (String line : histogram.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 4 && cols[0].endsWith(":") && cols[3].startsWith("io.zkrecipes.")) {
                count += Long.parseLong(cols[1]);
            }
        }
        return count;
    }
}
