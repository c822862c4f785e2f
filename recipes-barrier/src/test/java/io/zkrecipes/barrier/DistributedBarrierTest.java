package io.zkrecipes.barrier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class DistributedBarrierTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final String PATH = "/deploy/gate";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void await_releasesEveryWaiterWhenRemoved() throws Exception {
        DistributedBarrier coordinator = DistributedBarrier.create(zk.newClient(), PATH);
        coordinator.set();
        coordinator.set(); // idempotent
        assertTrue(coordinator.isSet());
        List<Future<Boolean>> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            DistributedBarrier barrier = DistributedBarrier.create(zk.newClient(), PATH);
            waiters.add(threads.submit(() -> barrier.await(LONG)));
        }
        assertFalse(DistributedBarrier.create(zk.newClient(), PATH).await(Duration.ofMillis(300)));
        assertTrue(waiters.stream().noneMatch(Future::isDone));
        coordinator.remove();
        for (Future<Boolean> w : waiters) {
            assertTrue(w.get(30, TimeUnit.SECONDS));
        }
        coordinator.remove(); // idempotent
        assertFalse(coordinator.isSet());
    }

    @Test
    void await_returnsAtOnceWhenNotSet() throws Exception {
        DistributedBarrier barrier = DistributedBarrier.create(zk.newClient(), PATH);
        assertTrue(barrier.await(Duration.ZERO));
        barrier.await();
    }

    @Test
    void await_timesOutAndOtherWaitersOfTheSameInstanceKeepWaiting() throws Exception {
        ZkClient client = zk.newClient();
        DistributedBarrier barrier = DistributedBarrier.create(client, PATH);
        barrier.set();
        Future<Boolean> patient = threads.submit(() -> barrier.await(LONG));
        long start = System.nanoTime();
        assertFalse(barrier.await(Duration.ofMillis(500)));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= 490 && millis < 2_000, "took " + millis + " ms");
        DistributedBarrier.create(zk.newClient(), PATH).remove();
        assertTrue(patient.get(30, TimeUnit.SECONDS));
    }

    @Test
    void await_survivesAConnectionCutDuringWhichTheBarrierIsRemoved() throws Exception {
        ZkClient waiterClient = zk.newClient();
        DistributedBarrier waiter = DistributedBarrier.create(waiterClient, PATH);
        DistributedBarrier coordinator = DistributedBarrier.create(zk.newClient(), PATH);
        coordinator.set();
        Future<Boolean> waiting = threads.submit(() -> waiter.await(LONG));
        zk.cut(waiterClient);
        coordinator.remove();
        assertFalse(waiting.isDone());
        zk.restore(waiterClient);
        assertTrue(waiting.get(30, TimeUnit.SECONDS));
    }

    @Test
    void await_survivesSessionExpiry() throws Exception {
        ZkClient waiterClient = zk.newClient();
        DistributedBarrier waiter = DistributedBarrier.create(waiterClient, PATH);
        DistributedBarrier coordinator = DistributedBarrier.create(zk.newClient(), PATH);
        coordinator.set();
        Future<Boolean> waiting = threads.submit(() -> waiter.await(LONG));
        zk.expireSession(waiterClient); // the watch goes with the old session
        assertFalse(waiting.isDone());
        coordinator.remove();
        assertTrue(waiting.get(30, TimeUnit.SECONDS));
    }

    @Test
    void close_failsAWaitingCall() throws Exception {
        DistributedBarrier barrier = DistributedBarrier.create(zk.newClient(), PATH);
        barrier.set();
        Future<Boolean> waiting = threads.submit(() -> barrier.await(LONG));
        await().atMost(LONG).until(() -> zk.newClient().unwrap().exists("/" + "deploy/gate", false) != null);
        barrier.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalStateException, e::toString);
    }
}
