package io.zkrecipes.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.BlockRule;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Ticket;
import io.zkrecipes.core.internal.WaitingLine;
import io.zkrecipes.testing.TimedCalls;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class WaitingLineTest {

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private record Member(ZkClient client, WaitingLine line, Ticket ticket) {
    }

    private List<Member> joinInOrder(int n, BlockRule rule, String... prefixes) throws Exception {
        List<Member> members = new ArrayList<>();
        ZkClient setup = zk.newClient();
        AsyncOps.join(Session.of(setup).ops().ensureContainers("/line"));
        for (int i = 0; i < n; i++) {
            ZkClient c = zk.newClient();
            WaitingLine line = new WaitingLine(Session.of(c), "/line", rule);
            String prefix = prefixes.length == 0 ? "m-" : prefixes[i];
            members.add(new Member(c, line, line.join(prefix, new byte[0], Deadline.none())));
        }
        return members;
    }

    @Test
    void tenSessions_areGrantedInJoinOrder_withOneWakeAndNoRequestPerHandOff() throws Exception {
        List<Member> members = joinInOrder(10, BlockRule.exclusive());
        Member first = members.get(0);
        assertTrue(first.line().awaitTurn(first.ticket(), Deadline.none()));
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 9; i >= 1; i--) { // start the waits in reverse: the order comes from the line
            int index = i;
            Member m = members.get(i);
            done.add(CompletableFuture.runAsync(() -> {
                try {
                    assertTrue(m.line().awaitTurn(m.ticket(), Deadline.none()));
                    order.add(index);
                    m.line().leave(m.ticket());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, pool));
        }
        // every waiter watches its predecessor before the first release
        await().atMost(Duration.ofSeconds(20)).until(() -> members.stream().skip(1)
                .allMatch(m -> m.client().requestStats().count(RequestStats.Type.GET_DATA) == 1));
        first.line().leave(first.ticket());
        CompletableFuture.allOf(done.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);

        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), order);
        assertEquals(9, members.stream().mapToLong(m -> m.line().wakeups()).sum(), "one wake per release");
        for (Member m : members.subList(1, 10)) {
            // join (create + list), one watch, release (mark + delete): the hand-off cost no request
            assertEquals(Map.of(RequestStats.Type.CREATE, 1L, RequestStats.Type.GET_CHILDREN, 1L,
                    RequestStats.Type.GET_DATA, 1L, RequestStats.Type.MULTI, 1L), nonZero(m.client().requestStats()));
        }
    }

    private static Map<RequestStats.Type, Long> nonZero(RequestStats stats) {
        Map<RequestStats.Type, Long> counts = new EnumMap<>(RequestStats.Type.class);
        stats.snapshot().forEach((type, n) -> {
            if (n > 0) {
                counts.put(type, n);
            }
        });
        return counts;
    }

    @Test
    void awaitTurn_timesOut_andLeaveRemovesTheNode() throws Exception {
        List<Member> members = joinInOrder(2, BlockRule.exclusive());
        Member second = members.get(1);
        assertFalse(second.line().awaitTurn(second.ticket(), Deadline.after(Duration.ofMillis(200))));
        second.line().leave(second.ticket());
        assertEquals(List.of(members.get(0).ticket().name()), second.line().members(Deadline.none()));
    }

    @Test
    void waiterSessionExpiry_endsTheWaitWithSessionExpired() throws Exception {
        List<Member> members = joinInOrder(2, BlockRule.exclusive());
        Member second = members.get(1);
        CompletableFuture<Boolean> wait = CompletableFuture.supplyAsync(() -> {
            try {
                return second.line().awaitTurn(second.ticket(), Deadline.none());
            } catch (KeeperException e) {
                throw new java.util.concurrent.CompletionException(e);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, pool);
        zk.expireSession(second.client());
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> wait.get(20, TimeUnit.SECONDS));
        assertEquals(KeeperException.Code.SESSIONEXPIRED, AsyncOps.codeOf(e));
    }

    @Test
    void connectionCutWhileWaiting_theWaitResumesOnTheSameNode() throws Exception {
        List<Member> members = joinInOrder(2, BlockRule.exclusive());
        Member first = members.get(0);
        Member second = members.get(1);
        CompletableFuture<Boolean> wait = CompletableFuture.supplyAsync(() -> {
            try {
                return second.line().awaitTurn(second.ticket(), Deadline.none());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, pool);
        zk.cut(second.client());
        first.line().leave(first.ticket()); // released while the waiter cannot hear it
        zk.restore(second.client());
        assertTrue(wait.get(20, TimeUnit.SECONDS));
        assertEquals(List.of(second.ticket().name()), second.line().members(Deadline.none()));
    }

    @Test
    void memberDataWrittenBySomeoneElse_isNotARelease_andTheHolderStillHandsOver() throws Exception {
        List<Member> members = joinInOrder(2, BlockRule.exclusive());
        Member first = members.get(0);
        Member second = members.get(1);
        assertTrue(first.line().awaitTurn(first.ticket(), Deadline.none()));
        // a foreign write on the holder's node: its release marker can no longer be written at the created version
        ZkClient foreign = zk.newClient();
        AsyncOps.join(Session.of(foreign).ops().setData(first.ticket().path(), new byte[] {1}, -1));
        CompletableFuture<Boolean> wait = CompletableFuture.supplyAsync(() -> {
            try {
                return second.line().awaitTurn(second.ticket(), Deadline.none());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, pool);
        TimedCalls.assertStillRunning(wait, "the member behind the written node");

        // the marking multi fails on the version; the cleanup path deletes the node and the waiter is told
        first.line().leave(first.ticket());
        assertTrue(wait.get(20, TimeUnit.SECONDS));
        assertEquals(List.of(second.ticket().name()), second.line().members(Deadline.none()));
    }

    @Test
    void readersShare_aWaitingWriterBlocksLaterReaders() throws Exception {
        List<Member> m = joinInOrder(4, BlockRule.readWrite("read-"), "read-", "read-", "write-", "read-");
        Deadline soon = Deadline.after(Duration.ofMillis(200));
        assertTrue(m.get(0).line().awaitTurn(m.get(0).ticket(), soon));
        assertTrue(m.get(1).line().awaitTurn(m.get(1).ticket(), soon));
        assertFalse(m.get(2).line().awaitTurn(m.get(2).ticket(), Deadline.after(Duration.ofMillis(200))));
        assertFalse(m.get(3).line().awaitTurn(m.get(3).ticket(), Deadline.after(Duration.ofMillis(200))));
        m.get(0).line().leave(m.get(0).ticket());
        m.get(1).line().leave(m.get(1).ticket());
        assertTrue(m.get(2).line().awaitTurn(m.get(2).ticket(), Deadline.none()));
        m.get(2).line().leave(m.get(2).ticket());
        assertTrue(m.get(3).line().awaitTurn(m.get(3).ticket(), Deadline.none()));
    }

    @Test
    void aLineTooLongToList_failsFastWithAClearError() throws Exception {
        ZkClient setup = zk.newClient();
        AsyncOps.join(Session.of(setup).ops().ensureContainers("/long"));
        String pad = "x".repeat(60);
        List<CompletableFuture<AsyncOps.Created>> creates = new ArrayList<>();
        for (int i = 0; i < 18_000; i++) {
            creates.add(Session.of(setup).ops().create("/long/" + pad + "_" + i, new byte[0], org.apache.zookeeper.CreateMode.PERSISTENT));
            if (creates.size() == 2_000) {
                CompletableFuture.allOf(creates.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
                creates.clear();
            }
        }
        CompletableFuture.allOf(creates.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        ZkClient client = zk.newClient();
        WaitingLine line = new WaitingLine(Session.of(client), "/long", BlockRule.exclusive());
        long start = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> line.join("m-", new byte[0], Deadline.none()));
        assertTrue(e.getMessage().contains("jute.maxbuffer"), e.getMessage());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "failed fast, not at the retry deadline");
        await().atMost(Duration.ofSeconds(20)).until(client::isConnected);
    }

    @Test
    void badInput_isRejectedBeforeAnythingIsSent() {
        ZkClient client = zk.newClient();
        assertThrows(IllegalArgumentException.class, () -> new WaitingLine(Session.of(client), "bad", BlockRule.exclusive()));
        assertThrows(NullPointerException.class, () -> new WaitingLine(Session.of(client), "/ok", null));
        WaitingLine line = new WaitingLine(Session.of(client), "/ok", BlockRule.exclusive());
        assertThrows(IllegalArgumentException.class, () -> line.join("has_underscore", new byte[0], Deadline.none()));
        long before = client.requestStats().total();
        assertThrows(IllegalArgumentException.class,
                () -> Session.of(client).ops().create("/big", new byte[client.maxDataBytes() + 1], org.apache.zookeeper.CreateMode.PERSISTENT));
        assertEquals(before, client.requestStats().total());
        client.close();
        assertThrows(IllegalStateException.class, () -> line.join("m-", new byte[0], Deadline.none()));
    }
}
