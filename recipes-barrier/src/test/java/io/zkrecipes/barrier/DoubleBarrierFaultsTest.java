package io.zkrecipes.barrier;

import static io.zkrecipes.barrier.Members.enter;
import static io.zkrecipes.barrier.Members.leave;
import static io.zkrecipes.barrier.Members.membersOf;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class DoubleBarrierFaultsTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final String PATH = "/jobs/sync";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void enter_waitingMemberSurvivesAConnectionCut() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 3, 3)) {
            Future<Boolean> a = m.start(0, enter(LONG));
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).size() == 1);
            zk.cut(m.clients.get(0));
            Future<Boolean> b = m.start(1, enter(LONG));
            Future<Boolean> c = m.start(2, enter(LONG));
            assertTrue(b.get(30, TimeUnit.SECONDS));
            assertTrue(c.get(30, TimeUnit.SECONDS));
            assertFalse(a.isDone());
            zk.restore(m.clients.get(0));
            assertTrue(a.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void enter_waitingMemberJoinsAgainAfterSessionExpiry() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 3, 3)) {
            Future<Boolean> a = m.start(0, enter(LONG));
            Future<Boolean> b = m.start(1, enter(LONG));
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).size() == 2);
            zk.expireSession(m.clients.get(0));
            // m00's node went with its session; it joins again in the new one
            await().atMost(LONG).until(() -> ownerOf(reader, "m00") == m.clients.get(0).sessionId());
            assertFalse(b.isDone());
            Future<Boolean> c = m.start(2, enter(LONG));
            assertTrue(a.get(30, TimeUnit.SECONDS));
            assertTrue(b.get(30, TimeUnit.SECONDS));
            assertTrue(c.get(30, TimeUnit.SECONDS));
            assertEquals(List.of("m00", "m01", "m02"), membersOf(reader, PATH, 1));
        }
    }

    @Test
    void enter_timeoutDuringACutStillRemovesTheNode() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 2, 2)) {
            Future<Boolean> a = m.start(0, enter(Duration.ofSeconds(2)));
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).size() == 1);
            zk.cut(m.clients.get(0));
            assertFalse(a.get(10, TimeUnit.SECONDS));
            zk.restore(m.clients.get(0));
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).isEmpty());
            assertFalse(m.get(1).enter(Duration.ofMillis(500)), "counted the timed-out member");
        }
    }

    @Test
    void enter_lastArrivalWhoseJoinAndCloseReplyIsLostEntersOnce() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 3, 3)) {
            Future<Boolean> a = m.start(0, enter(LONG));
            Future<Boolean> b = m.start(1, enter(LONG));
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).size() == 2);
            // the last arrival's first multi is its join that closes the round: applied, reply lost
            CompletableFuture<Integer> dropped = zk.dropNextReply(m.clients.get(2), ZooDefs.OpCode.multi);
            assertTrue(m.get(2).enter(LONG));
            assertTrue(dropped.isDone(), "the reply was not dropped");
            assertTrue(a.get(30, TimeUnit.SECONDS));
            assertTrue(b.get(30, TimeUnit.SECONDS));
            assertEquals(1, m.get(2).round());
            assertEquals(List.of("m00", "m01", "m02"), membersOf(reader, PATH, 1));
            assertEquals(List.of(), membersOf(reader, PATH, 2), "joined the next round as well");
            assertEquals("m00\nm01\nm02", new String(reader.unwrap().getData(
                    Rounds.roundPath(PATH, 1) + "/" + Rounds.READY, false, null), StandardCharsets.UTF_8));
        }
    }

    @Test
    void leave_waitingMemberSurvivesAConnectionCut() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 2, 2)) {
            DoubleBarrierTest.enterAll(m, 2);
            Future<Boolean> lowest = m.start(0, leave(LONG)); // m00, the lowest, waits for m01
            zk.cut(m.clients.get(0));
            Future<Boolean> highest = m.start(1, leave(LONG));
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).equals(List.of("m00")));
            assertFalse(highest.isDone(), "m01 left while m00 was still in");
            assertFalse(lowest.isDone());
            zk.restore(m.clients.get(0));
            assertTrue(lowest.get(30, TimeUnit.SECONDS));
            assertTrue(highest.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void leave_sessionExpiryOfAMemberCountsAsItsLeaving() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 3, 3)) {
            DoubleBarrierTest.enterAll(m, 3);
            Future<Boolean> a = m.start(0, leave(LONG));
            Future<Boolean> b = m.start(1, leave(LONG));
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).equals(List.of("m00", "m02")));
            zk.expireSession(m.clients.get(2));
            assertTrue(a.get(30, TimeUnit.SECONDS));
            assertTrue(b.get(30, TimeUnit.SECONDS));
            assertTrue(m.get(2).leave(Duration.ofSeconds(5)));
        }
    }

    @Test
    void close_removesTheNodeOfAMemberInsideAndFailsAWaitingCall() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 2, 2)) {
            DoubleBarrierTest.enterAll(m, 2);
            m.get(1).close();
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).equals(List.of("m00")));

            DoubleBarrier other = DoubleBarrier.create(m.clients.get(1), PATH, 2, "other");
            Future<Boolean> waiting = m.start(0, b -> other.enter(LONG));
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 2).equals(List.of("other")));
            other.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IllegalStateException, e::toString);
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 2).isEmpty());
        }
    }

    private static long ownerOf(ZkClient reader, String member) throws Exception {
        var stat = reader.unwrap().exists(Rounds.memberPath(Rounds.roundPath(PATH, 1), member), false);
        return stat == null ? -1 : stat.getEphemeralOwner();
    }
}
