package io.zkrecipes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.lock.ExclusiveLock;
import io.zkrecipes.lock.Lease;
import io.zkrecipes.lock.ReadWriteLock;
import io.zkrecipes.lock.SequentialLock;
import io.zkrecipes.testing.ZkTestServers;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class LockRevocationTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void revoke_asksTheHolder_whoReleases_andTheReportSaysSo() throws Exception {
        Lease lease = SequentialLock.create(zk.newClient(), "/locks/jobs").acquire();
        CountDownLatch asked = new CountDownLatch(1);
        lease.onRevocationRequested(asked::countDown); // the lease is this thread's: it closes it

        CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(
                () -> Cli.run(zk, "lock", "/locks/jobs", "--revoke", "--json"));
        assertTrue(asked.await(10, TimeUnit.SECONDS));
        lease.close();
        JsonNode json = run.get(20, TimeUnit.SECONDS).json();

        assertTrue(json.get("asked").asBoolean());
        assertEquals(0, json.get("stillHeld").size());
        assertEquals(lease.fencingToken(), json.get("before").get("holders").get(0).get("fencingToken").asLong());
        assertFalse(lease.isValid());
    }

    @Test
    void revoke_forcesNothing_aHolderThatDoesNotListenKeepsTheLock() throws Exception {
        ZkClient holder = zk.newClient();
        Lease lease = ExclusiveLock.create(holder, "/locks/report").acquire();
        AtomicInteger told = new AtomicInteger();
        Lease other = ReadWriteLock.create(zk.newClient(), "/locks/other").readLock().acquire();
        other.onRevocationRequested(told::incrementAndGet); // a lease of another lock: must not be told

        Cli.Result r = Cli.run("lock", "/locks/report", "--revoke", "--connect", zk.connectString(),
                "--namespace", zk.namespace(), "--timeout", "1s");

        String text = r.text();
        assertTrue(text.contains("(exclusive lock)"), text);
        assertTrue(text.contains("still held after"), text);
        assertTrue(text.contains("nothing is forced"), text);
        assertTrue(lease.isValid());
        assertEquals(0, told.get());
    }

    @Test
    void revoke_ofAReadWriteLock_asksEveryReaderHolding() throws Exception {
        Lease r1 = ReadWriteLock.create(zk.newClient(), "/locks/table").readLock().acquire();
        Lease r2 = ReadWriteLock.create(zk.newClient(), "/locks/table").readLock().acquire();
        CountDownLatch asked = new CountDownLatch(2);
        r1.onRevocationRequested(asked::countDown);
        r2.onRevocationRequested(asked::countDown);

        CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(
                () -> Cli.run(zk, "lock", "/locks/table", "--revoke", "--json"));
        assertTrue(asked.await(10, TimeUnit.SECONDS));
        r1.close();
        r2.close();
        JsonNode json = run.get(20, TimeUnit.SECONDS).json();

        assertTrue(json.get("asked").asBoolean());
        assertEquals(2, json.get("before").get("holders").size());
        assertEquals(0, json.get("stillHeld").size());
        assertFalse(r1.isValid());
        assertFalse(r2.isValid());
    }

    @Test
    void revoke_ofAFreeLock_asksNobody() throws Exception {
        ZkClient client = zk.newClient();
        Lease lease = SequentialLock.create(client, "/locks/free").acquire();
        lease.close();
        Cli.Result r = Cli.run(zk, "lock", "/locks/free", "--revoke");
        if (r.code() == 1) { // the server may already have reaped the empty container
            assertTrue(r.err().contains("no node"), r.err());
            return;
        }
        assertTrue(r.text().contains("nobody holds the lock: no request made"), r.out());
    }
}
