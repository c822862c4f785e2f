package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Session;
import static io.zkrecipes.lock.LockFixture.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.HoldHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CountingSemaphoreTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/semaphore";

    @Test
    void racingTryAcquires_neverExceedPermits() throws Exception {
        HoldHistory history = new HoldHistory();
        AtomicInteger granted = new AtomicInteger();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int s = 0; s < 8; s++) {
            CountingSemaphore semaphore = CountingSemaphore.create(zk.newClient(), PATH, 2);
            String name = "session-" + s;
            workers.add(CompletableFuture.runAsync(() -> tryRounds(semaphore, name, history, granted),
                    Background.EXECUTOR));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(40, TimeUnit.SECONDS);
        history.assertMaxConcurrent(2);
        assertTrue(granted.get() > 0, "some tries succeeded");
    }

    @Test
    void holdsUpToPermits_onOneHandle_andTheNextWaitsForARelease() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        CountingSemaphore semaphore = CountingSemaphore.create(a, PATH, 3);
        List<Lease> leases = List.of(semaphore.acquire(), semaphore.acquire(), semaphore.acquire());
        assertTrue(semaphore.tryAcquire().isEmpty());
        CountingSemaphore other = CountingSemaphore.create(b, PATH, 3);
        LockFixture.Contender waiter = LockFixture.startWaiting(LockKind.SEMAPHORE_3, other, b);
        long before = b.requestStats().total();
        leases.get(1).close();
        assertTrue(waiter.lease().isValid());
        long handOff = b.requestStats().total() - before;
        // at most a listing of the leases and the take (one run of the whole build counted 1)
        assertTrue(handOff >= 1 && handOff <= 2, "a hand-off lists the leases and takes one, sent " + handOff);
        List<String> held = AsyncOps.join(Session.of(a).ops().getChildren(PATH + "/leases", null)).names();
        assertEquals(3, held.size());
        assertEquals(3, semaphore.permits());
    }

    private static void tryRounds(CountingSemaphore semaphore, String name, HoldHistory history, AtomicInteger granted) {
        try {
            for (int i = 0; i < 10; i++) {
                Optional<Lease> lease = semaphore.tryAcquire();
                if (lease.isPresent()) {
                    history.acquired(name);
                    granted.incrementAndGet();
                    Thread.yield();
                    history.releasing(name);
                    lease.get().close();
                }
            }
            semaphore.acquire(WAIT).orElseThrow().close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
