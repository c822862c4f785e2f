package io.zkrecipes.barrier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class BadInputTest {
    private static final String PATH = "/jobs/sync";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void doubleBarrier_rejectsBadArgumentsBeforeSendingAnything() {
        ZkClient client = zk.newClient();
        long sent = client.requestStats().total();
        assertMessage("parties", assertThrows(IllegalArgumentException.class,
                () -> DoubleBarrier.create(client, PATH, 0, "a")));
        assertMessage("memberId", assertThrows(NullPointerException.class,
                () -> DoubleBarrier.create(client, PATH, 2, null)));
        assertMessage("memberId", assertThrows(IllegalArgumentException.class,
                () -> DoubleBarrier.create(client, PATH, 2, "a/b")));
        assertMessage("memberId", assertThrows(IllegalArgumentException.class,
                () -> DoubleBarrier.create(client, PATH, 2, "")));
        assertMessage("path", assertThrows(IllegalArgumentException.class,
                () -> DoubleBarrier.create(client, "no-slash", 2, "a")));
        assertMessage("path", assertThrows(IllegalArgumentException.class,
                () -> DoubleBarrier.create(client, "/a//b", 2, "a")));
        assertMessage("client", assertThrows(NullPointerException.class,
                () -> DoubleBarrier.create(null, PATH, 2, "a")));
        try (DoubleBarrier barrier = DoubleBarrier.create(client, PATH, 2, "a")) {
            assertMessage("timeout", assertThrows(IllegalArgumentException.class,
                    () -> barrier.enter(Duration.ofMillis(-1))));
            assertMessage("timeout", assertThrows(NullPointerException.class, () -> barrier.enter(null)));
            assertThrows(IllegalStateException.class, () -> barrier.leave(Duration.ofSeconds(1)));
        }
        assertEquals(sent, client.requestStats().total(), "requests were sent");
    }

    @Test
    void doubleBarrier_refusesADuplicateMemberIdInOneRound() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 3, 1);
                DoubleBarrier second = DoubleBarrier.create(zk.newClient(), PATH, 3, "m00")) {
            Future<Boolean> first = m.start(0, Members.enter(Duration.ofSeconds(20)));
            await().until(() -> Members.membersOf(reader, PATH, 1).equals(List.of("m00")));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> second.enter(Duration.ofSeconds(5)));
            assertMessage("memberId 'm00'", e);
            assertEquals(List.of("m00"), Members.membersOf(reader, PATH, 1));
            assertFalse(first.isDone());
        }
    }

    @Test
    void doubleBarrier_refusesUseAfterClose() throws Exception {
        DoubleBarrier barrier = DoubleBarrier.create(zk.newClient(), PATH, 1, "a");
        barrier.close();
        barrier.close();
        assertThrows(IllegalStateException.class, () -> barrier.enter(Duration.ofSeconds(1)));
        assertThrows(IllegalStateException.class, () -> barrier.leave(Duration.ofSeconds(1)));

        ZkClient closedClient = zk.newClient();
        DoubleBarrier orphan = DoubleBarrier.create(closedClient, PATH, 1, "b");
        closedClient.close();
        assertThrows(IllegalStateException.class, () -> orphan.enter(Duration.ofSeconds(1)));
        assertThrows(IllegalStateException.class, () -> DoubleBarrier.create(closedClient, PATH, 1, "c"));
    }

    @Test
    void doubleBarrier_refusesEnteringTwice() throws Exception {
        try (DoubleBarrier barrier = DoubleBarrier.create(zk.newClient(), PATH, 1, "a")) {
            assertTrue(barrier.enter(Duration.ofSeconds(5)));
            assertThrows(IllegalStateException.class, () -> barrier.enter(Duration.ofSeconds(1)));
            assertTrue(barrier.leave(Duration.ofSeconds(5)));
            assertThrows(IllegalStateException.class, () -> barrier.leave(Duration.ofSeconds(1)));
        }
    }

    @Test
    void distributedBarrier_rejectsBadInputAndUseAfterClose() throws Exception {
        ZkClient client = zk.newClient();
        long sent = client.requestStats().total();
        assertMessage("path", assertThrows(IllegalArgumentException.class, () -> DistributedBarrier.create(client, "x")));
        assertMessage("path", assertThrows(IllegalArgumentException.class, () -> DistributedBarrier.create(client, "/")));
        assertMessage("path", assertThrows(NullPointerException.class, () -> DistributedBarrier.create(client, null)));
        DistributedBarrier barrier = DistributedBarrier.create(client, "/gate");
        assertMessage("timeout", assertThrows(IllegalArgumentException.class,
                () -> barrier.await(Duration.ofSeconds(-1))));
        assertEquals(sent, client.requestStats().total(), "requests were sent");
        barrier.close();
        assertThrows(IllegalStateException.class, barrier::set);
        assertThrows(IllegalStateException.class, barrier::remove);
        assertThrows(IllegalStateException.class, () -> barrier.await(Duration.ofSeconds(1)));
    }

    private static void assertMessage(String fragment, RuntimeException e) {
        assertTrue(String.valueOf(e.getMessage()).contains(fragment), () -> "'" + fragment + "' not in: " + e);
    }
}
