package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockFixture.startWaiting;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadWriteLockTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/rw";

    static ReadWriteLock handleOwned(ZkClient client) {
        return ReadWriteLock.create(client, PATH, LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE));
    }

    @Test
    void readersShare_writerExcludes() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        ZkClient w = zk.newClient();
        Lease r1 = handleOwned(a).readLock().acquire();
        Lease r2 = handleOwned(b).readLock().acquire(WAIT).orElseThrow();
        assertTrue(r1.isValid() && r2.isValid());
        DistributedLock writer = handleOwned(w).writeLock();
        assertTrue(writer.tryAcquire().isEmpty());
        r1.close();
        assertTrue(writer.tryAcquire().isEmpty());
        r2.close();
        Lease written = writer.acquire(WAIT).orElseThrow();
        assertTrue(handleOwned(a).readLock().tryAcquire().isEmpty());
        written.close();
    }

    @Test
    void waitingWriter_isNotStarvedByLaterReaders() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient w = zk.newClient();
        ZkClient late = zk.newClient();
        Lease firstReader = handleOwned(a).readLock().acquire();
        LockFixture.Contender writer = startWaiting(LockKind.WRITE, handleOwned(w).writeLock(), w);
        DistributedLock lateReader = handleOwned(late).readLock();
        assertTrue(lateReader.tryAcquire().isEmpty(), "a reader behind a waiting writer waits");
        List<String> order = new CopyOnWriteArrayList<>();
        LockFixture.Contender reader = new LockFixture.Contender(lateReader, WAIT);
        reader.result.thenRun(() -> order.add("reader"));
        firstReader.close();
        Lease writeLease = writer.lease();
        order.add("writer");
        assertFalse(reader.result.isDone());
        writeLease.close();
        assertTrue(reader.lease().isValid());
        await().atMost(WAIT).until(() -> order.equals(List.of("writer", "reader"))); // thenRun may run after lease() returns
    }

    @Test
    void readLockIsReentrantPerThread() throws Exception {
        ZkClient a = zk.newClient();
        ReadWriteLock lock = ReadWriteLock.create(a, PATH);
        try (Lease outer = lock.readLock().acquire(); Lease inner = lock.readLock().acquire()) {
            assertEquals(outer.nodePath(), inner.nodePath());
        }
        lock.close();
    }
}
