package io.zkrecipes.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.ProtectedCreate;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class RetryTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void retry_stopsAtTheDeadlineWithTheConnectionLoss() {
        RetryPolicy policy = RetryPolicy.exponentialBackoff(Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(1));
        ZkClient client = zk.newClient(b -> b.retryPolicy(policy).sessionTimeout(Duration.ofSeconds(10)));
        zk.cut(client);
        long start = System.nanoTime();
        KeeperException e = assertThrows(KeeperException.class,
                () -> client.retry(() -> AsyncOps.join(Session.of(client).ops().getData("/", null))));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ZkClient.isRetryable(e.code()), e.toString());
        assertTrue(tookMs >= 900 && tookMs < 8_000, "gave up after " + tookMs + " ms");
    }

    @Test
    void retry_resumesWhenTheConnectionReturns() throws Exception {
        ZkClient client = zk.newClient();
        zk.cut(client);
        CompletableFuture<AsyncOps.Created> created = CompletableFuture.supplyAsync(() -> {
            try {
                return client.retry(() -> AsyncOps.join(Session.of(client).ops().create("/r", new byte[0], CreateMode.PERSISTENT)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        zk.restore(client);
        assertEquals("/r", created.get().path());
    }

    @Test
    void retry_neverRetriesLogicalErrors() {
        ZkClient client = zk.newClient();
        AtomicInteger calls = new AtomicInteger();
        assertThrows(KeeperException.NoNodeException.class, () -> client.retry(() -> {
            calls.incrementAndGet();
            return AsyncOps.join(Session.of(client).ops().getData("/missing", null));
        }));
        assertEquals(1, calls.get());
    }

    @Test
    void retry_honoursInterrupts() throws Exception {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(Duration.ofSeconds(10)));
        zk.cut(client);
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                client.retry(() -> AsyncOps.join(Session.of(client).ops().getData("/", null)));
                failure.complete(null);
            } catch (Throwable e) {
                failure.complete(e);
            }
        });
        t.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() != Thread.State.RUNNABLE);
        t.interrupt();
        assertTrue(failure.get() instanceof InterruptedException, String.valueOf(failure.get()));
        zk.restore(client);
    }

    @Test
    void protectedCreate_withTheReplyDropped_leavesExactlyOneNode() throws Exception {
        ZkClient client = zk.newClient();
        AsyncOps.join(Session.of(client).ops().ensureContainers("/line"));
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, ZooDefs.OpCode.create2);
        ProtectedCreate.Result r = ProtectedCreate.createAndList(Session.of(client), "/line", "m-", new byte[0],
                Deadline.none());
        assertTrue(dropped.isDone(), "the reply to the create was not dropped");
        long mine = AsyncOps.join(Session.of(client).ops().getChildren("/line", null)).names().stream()
                .filter(n -> n.startsWith("m-")).count();
        assertEquals(1, mine);
        assertEquals(client.sessionId(), r.node().stat().getEphemeralOwner());
    }
}
