package io.zkrecipes.micrometer;

import static io.zkrecipes.micrometer.Metered.WAIT;
import static io.zkrecipes.micrometer.Metered.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RecipeEvents;
import io.zkrecipes.lock.Lease;
import io.zkrecipes.lock.LockOptions;
import io.zkrecipes.lock.SequentialLock;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockMetricsTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/orders";

    @Test
    void acquireAndRelease_countTheAcquisition_andTimeTheWaitAndTheHold() throws Exception {
        Metered a = new Metered(zk);
        try (Lease lease = SequentialLock.create(a.client, PATH).acquire()) {
            awaitValue(1.0, () -> a.count("zkrecipes.lock.acquisitions", "path", PATH));
            awaitValue(1L, () -> a.timed("zkrecipes.lock.wait", "path", PATH, "outcome", "acquired")); // timed after the count
            assertEquals(0, a.timed("zkrecipes.lock.hold", "path", PATH), "held, not yet released");
        }
        awaitValue(1L, () -> a.timed("zkrecipes.lock.hold", "path", PATH));
        assertEquals(0, a.count("zkrecipes.lock.losses", "path", PATH));
    }

    @Test
    void timedAcquire_whileHeldElsewhere_countsATimeout() throws Exception {
        Metered a = new Metered(zk);
        Metered b = new Metered(zk);
        try (Lease held = SequentialLock.create(b.client, PATH).acquire()) {
            Optional<Lease> none = SequentialLock.create(a.client, PATH).acquire(Duration.ofMillis(200));
            assertTrue(none.isEmpty());
            awaitValue(1.0, () -> a.count("zkrecipes.lock.timeouts", "path", PATH));
            awaitValue(1L, () -> a.timed("zkrecipes.lock.wait", "path", PATH, "outcome", "timed_out"));
            assertEquals(0, a.count("zkrecipes.lock.acquisitions", "path", PATH));
        }
    }

    @Test
    void sessionExpiry_countsTheLostLease_andTheExpiry() throws Exception {
        Metered a = new Metered(zk);
        LockOptions keep = LockOptions.defaults().keepLeasesWhileSuspended(true); // lost through the expiry only
        Lease lease = SequentialLock.create(a.client, PATH, keep).acquire();
        zk.expireSession(a.client);
        awaitValue(1.0, () -> a.count("zkrecipes.lock.losses", "path", PATH));
        awaitValue(1.0, () -> a.count("zkrecipes.client.session.expirations"));
        assertEquals(1, a.timed("zkrecipes.lock.hold", "path", PATH), "the hold ended with its loss");
        lease.close();
        assertEquals(1, a.timed("zkrecipes.lock.hold", "path", PATH), "closing a lost lease is not a second hold");
    }

    @Test
    void slowListener_doesNotDelayALockHandOff() throws Exception {
        Metered a = new Metered(zk);
        Metered b = new Metered(zk);
        CountDownLatch stuck = new CountDownLatch(1);
        RecipeEvents slow = new RecipeEvents() {
            @Override
            public void lockReleased(String path, Duration held) {
                block(stuck);
            }

            @Override
            public void lockAcquired(String path, Duration waited) {
                block(stuck);
            }
        };
        a.client.addEventListener(slow);
        b.client.addEventListener(slow);
        Lease first = SequentialLock.create(a.client, PATH).acquire(); // a's slow listener is stuck from here
        LockOptions byHandle = LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE); // closed by this thread
        CompletableFuture<Lease> next =
                CompletableFuture.supplyAsync(() -> acquire(SequentialLock.create(b.client, PATH, byHandle)));
        awaitValue(2, () -> waiters(a)); // b waits in line behind a: the release hands the lock over
        first.close();
        Lease second = next.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(second.isValid());
        assertEquals(1, stuck.getCount(), "the hand-off happened while the slow listener was still blocked");
        awaitValue(1.0, () -> b.count("zkrecipes.lock.acquisitions", "path", PATH)); // other listeners still move
        stuck.countDown();
        second.close();
    }

    private static int waiters(Metered m) throws KeeperException, InterruptedException {
        return m.client.unwrap().getChildren(PATH, false).size();
    }

    private static Lease acquire(SequentialLock lock) {
        try {
            return lock.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void block(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
