package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockFixture.awaitNoNodes;
import static io.zkrecipes.lock.LockFixture.ownedBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.HoldHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExclusiveLockTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/exclusive";

    @Test
    void droppedCreateReply_adoptsOwnNode_noOrphan() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        ExclusiveLock lock = ExclusiveLock.create(a, PATH);
        lock.acquire().close(); // parents exist: the next create is a single request
        CompletableFuture<Integer> dropped = zk.dropNextReply(a, ZooDefs.OpCode.create2);
        Lease lease = lock.acquire(WAIT).orElseThrow();
        assertTrue(dropped.isDone(), "the create's reply was dropped");
        assertTrue(lease.isValid());
        assertEquals(List.of(PATH), ownedBy(b, PATH, a.sessionId()));
        lease.close();
        awaitNoNodes(b, PATH, a.sessionId());
        assertTrue(ExclusiveLock.create(b, PATH).tryAcquire().isPresent());
    }

    @Test
    void twoLockObjectsOnOneSession_excludeEachOther() throws Exception {
        ZkClient shared = zk.newClient();
        HoldHistory history = new HoldHistory();
        List<CompletableFuture<Void>> workers = List.of(
                CompletableFuture.runAsync(() -> work(ExclusiveLock.create(shared, PATH), history), Background.EXECUTOR),
                CompletableFuture.runAsync(() -> work(ExclusiveLock.create(shared, PATH), history), Background.EXECUTOR));
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertEquals(20, history.grants());
        history.assertNoOverlap();
        history.assertTokensIncrease();
    }

    @Test
    void reentrantByDefault() throws Exception {
        ZkClient a = zk.newClient();
        ExclusiveLock lock = ExclusiveLock.create(a, PATH);
        try (Lease outer = lock.acquire(); Lease inner = lock.acquire()) {
            assertEquals(outer.fencingToken(), inner.fencingToken());
        }
        awaitNoNodes(a, PATH, a.sessionId());
    }

    private static void work(ExclusiveLock lock, HoldHistory history) {
        try {
            for (int i = 0; i < 10; i++) {
                try (Lease lease = lock.acquire(WAIT).orElseThrow()) {
                    history.acquired(lease.fencingToken());
                    Thread.yield();
                    history.releasing();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
