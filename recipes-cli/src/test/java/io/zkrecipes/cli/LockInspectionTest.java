package io.zkrecipes.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.zkrecipes.config.ConfigStore;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.lock.CountingSemaphore;
import io.zkrecipes.lock.DistributedLock;
import io.zkrecipes.lock.ExclusiveLock;
import io.zkrecipes.lock.Lease;
import io.zkrecipes.lock.ReadWriteLock;
import io.zkrecipes.lock.SequentialLock;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class LockInspectionTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void sequentialLock_showsHolderTokenAndTwoWaitersInLineOrder() throws Exception {
        ZkClient holder = zk.newClient();
        ZkClient first = zk.newClient();
        ZkClient second = zk.newClient();
        Lease lease = SequentialLock.create(holder, "/locks/orders").acquire();
        waitFor(SequentialLock.create(first, "/locks/orders"), holder, "/locks/orders", 2);
        waitFor(SequentialLock.create(second, "/locks/orders"), holder, "/locks/orders", 3);

        JsonNode json = Cli.run(zk, "lock", "/locks/orders", "--json").json();
        assertEquals("sequential", json.get("kind").asText());
        assertEquals(1, json.get("holders").size());
        JsonNode h = json.get("holders").get(0);
        assertEquals(Cli.session(holder.sessionId()), h.get("session").asText());
        assertEquals(lease.fencingToken(), h.get("fencingToken").asLong());
        assertEquals(2, json.get("waiters").size());
        assertEquals(Cli.session(first.sessionId()), json.get("waiters").get(0).get("session").asText());
        assertEquals(Cli.session(second.sessionId()), json.get("waiters").get(1).get("session").asText());

        String text = Cli.run(zk, "lock", "/locks/orders").text();
        assertTrue(text.contains("(sequential lock)"), text);
        assertTrue(text.contains("session " + Cli.session(holder.sessionId())), text);
        assertTrue(text.contains("token   " + lease.fencingToken()), text);
        assertTrue(text.contains("waiters  2, in order"), text);
        int one = text.indexOf("1. "), two = text.indexOf("2. ");
        assertTrue(one > 0 && text.indexOf(Cli.session(first.sessionId()), one) < two, text);
        assertTrue(text.indexOf(Cli.session(second.sessionId()), two) > two, text);
    }

    @Test
    void exclusiveLock_showsItsHolderAndSaysWaitersLeaveNoNode() throws Exception {
        ZkClient holder = zk.newClient();
        Lease lease = ExclusiveLock.create(holder, "/locks/report").acquire();

        JsonNode json = Cli.run(zk, "lock", "/locks/report", "--json").json();
        assertEquals("exclusive", json.get("kind").asText());
        assertEquals(Cli.session(holder.sessionId()), json.get("holders").get(0).get("session").asText());
        assertEquals(lease.fencingToken(), json.get("holders").get(0).get("fencingToken").asLong());
        assertTrue(json.get("note").asText().contains("cannot be listed"));
        assertTrue(Cli.run(zk, "lock", "/locks/report").text().contains("(exclusive lock)"));
    }

    @Test
    void readWriteLock_readersHoldTogetherAndAWriterQueuesEveryoneBehindIt() throws Exception {
        ZkClient reader1 = zk.newClient();
        ZkClient reader2 = zk.newClient();
        ZkClient writer = zk.newClient();
        ZkClient lateReader = zk.newClient();
        Lease r1 = ReadWriteLock.create(reader1, "/locks/table").readLock().acquire();
        Lease r2 = ReadWriteLock.create(reader2, "/locks/table").readLock().acquire();
        waitFor(ReadWriteLock.create(writer, "/locks/table").writeLock(), reader1, "/locks/table", 3);
        waitFor(ReadWriteLock.create(lateReader, "/locks/table").readLock(), reader1, "/locks/table", 4);

        JsonNode json = Cli.run(zk, "lock", "/locks/table", "--json").json();
        assertEquals("read-write", json.get("kind").asText());
        JsonNode holders = json.get("holders");
        assertEquals(2, holders.size());
        assertEquals(r1.fencingToken(), holders.get(0).get("fencingToken").asLong());
        assertEquals(r2.fencingToken(), holders.get(1).get("fencingToken").asLong());
        assertEquals("write", json.get("waiters").get(0).get("mode").asText());
        assertEquals(Cli.session(writer.sessionId()), json.get("waiters").get(0).get("session").asText());
        assertEquals("read", json.get("waiters").get(1).get("mode").asText());
        assertTrue(Cli.run(zk, "lock", "/locks/table").text().contains("(read/write lock)"));
    }

    @Test
    void semaphore_showsLeasesInGrantOrderAndTheQueue() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        ZkClient c = zk.newClient();
        CountingSemaphore.create(a, "/locks/pool", 2).acquire();
        CountingSemaphore.create(b, "/locks/pool", 2).acquire();
        waitFor(CountingSemaphore.create(c, "/locks/pool", 2), a, "/locks/pool/queue", 1);

        JsonNode json = Cli.run(zk, "lock", "/locks/pool", "--json").json();
        assertEquals("semaphore", json.get("kind").asText());
        assertEquals(Cli.session(a.sessionId()), json.get("holders").get(0).get("session").asText());
        assertEquals(Cli.session(b.sessionId()), json.get("holders").get(1).get("session").asText());
        assertTrue(json.get("holders").get(0).get("fencingToken").isNull());
        assertEquals(1, json.get("waiters").size());
        assertEquals(Cli.session(c.sessionId()), json.get("waiters").get(0).get("session").asText());
        assertTrue(Cli.run(zk, "lock", "/locks/pool").text().contains("(counting semaphore)"));
    }

    @Test
    void unknownPath_exitsOneSayingThereIsNoNode() {
        zk.newClient();
        Cli.Result r = Cli.run(zk, "lock", "/locks/none");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no node at /locks/none"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void configStore_isNotALock() throws Exception {
        ConfigStore.create(zk.newClient(), "/config/app").put("k", "v");
        Cli.Result r = Cli.run(zk, "lock", "/config/app");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("/config/app is not a lock"), r.err());
    }

    @Test
    void freedSequentialLock_hasNoHolder() throws Exception {
        ZkClient client = zk.newClient();
        SequentialLock.create(client, "/locks/idle").acquire().close();
        Cli.Result r = Cli.run(zk, "lock", "/locks/idle", "--json");
        if (r.code() == 1) { // the server may already have reaped the empty container
            assertTrue(r.err().contains("no node"), r.err());
            return;
        }
        assertEquals("empty", r.json().get("kind").asText());
        assertEquals(0, r.json().get("holders").size());
        assertTrue(r.out().contains("\"waiters\" : [ ]"), r.out());
    }

    /** Starts an acquire on its own client and waits until the line at {@code parent} has {@code size} members. */
    static CompletableFuture<Optional<Lease>> waitFor(DistributedLock lock, ZkClient observer, String parent, int size) {
        CompletableFuture<Optional<Lease>> pending = CompletableFuture.supplyAsync(() -> {
            try {
                return lock.acquire(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            } catch (IllegalStateException closed) {
                return Optional.empty(); // its client was closed after the test
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> observer.unwrap().exists(parent, false) != null
                && observer.unwrap().getChildren(parent, false).size() == size);
        return pending;
    }
}
