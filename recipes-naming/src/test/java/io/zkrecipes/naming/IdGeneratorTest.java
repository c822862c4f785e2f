package io.zkrecipes.naming;

import io.zkrecipes.core.internal.Session;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class IdGeneratorTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void nextId_eightSessionsConcurrently_noIdTwiceAndEachGeneratorIncreases() throws Exception {
        int sessions = 8;
        int perSession = 300;
        ExecutorService pool = Executors.newFixedThreadPool(sessions);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                IdGenerator ids = IdGenerator.create(zk.newClient(), "/ids/orders", 7);
                results.add(pool.submit(() -> take(ids, perSession)));
            }
            Set<Long> all = new HashSet<>();
            for (Future<List<Long>> f : results) {
                List<Long> mine = f.get();
                UniqueNameGeneratorTest.assertIncreasing(mine);
                assertTrue(mine.get(0) > 0);
                all.addAll(mine);
            }
            assertEquals(sessions * perSession, all.size(), "no id handed out twice");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nextId_touchesZooKeeperOncePerBlock() throws Exception {
        ZkClient client = zk.newClient();
        IdGenerator ids = IdGenerator.create(client, "/ids/blocks", 100);
        ids.nextId(); // creates the counter
        long writes = client.requestStats().count(RequestStats.Type.SET_DATA);
        long total = client.requestStats().total();
        take(ids, 99);
        assertEquals(total, client.requestStats().total(), "the rest of the block is local");
        take(ids, 100);
        assertEquals(writes + 1, client.requestStats().count(RequestStats.Type.SET_DATA));
        assertEquals(total + 2, client.requestStats().total(), "one read and one write per block");
    }

    @Test
    void nextId_leaseReplyDropped_ownWriteRecognizedAndNoDuplicate() throws Exception {
        ZkClient client = zk.newClient();
        IdGenerator ids = IdGenerator.create(client, "/ids/lost", 10);
        IdGenerator other = IdGenerator.create(zk.newClient(), "/ids/lost", 10);
        List<Long> mine = new ArrayList<>(take(ids, 10));
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, OpCode.setData);
        mine.addAll(take(ids, 10));
        assertTrue(dropped.isDone(), "the lease's reply was dropped");
        List<Long> theirs = take(other, 10);
        assertEquals(List.of(11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L), mine.subList(10, 20),
                "the block whose reply was lost is ours: the counter shows our token at version + 1");
        Set<Long> all = new HashSet<>(mine);
        all.addAll(theirs);
        assertEquals(30, all.size());
    }

    @Test
    void nextId_leaseRepliesDroppedUnderContention_noDuplicate() throws Exception {
        ZkClient client = zk.newClient();
        IdGenerator ids = IdGenerator.create(client, "/ids/contended", 3);
        int others = 3;
        ExecutorService pool = Executors.newFixedThreadPool(others);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int s = 0; s < others; s++) {
                IdGenerator gen = IdGenerator.create(zk.newClient(), "/ids/contended", 3);
                results.add(pool.submit(() -> take(gen, 150)));
            }
            List<Long> mine = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                CompletableFuture<Integer> dropped = zk.dropNextReply(client, OpCode.setData);
                mine.addAll(take(ids, 3));
                dropped.cancel(false);
            }
            UniqueNameGeneratorTest.assertIncreasing(mine);
            Set<Long> all = new HashSet<>(mine);
            for (Future<List<Long>> f : results) {
                all.addAll(f.get());
            }
            assertEquals(mine.size() + others * 150, all.size(), "no id handed out twice");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nextId_counterNearTheEnd_lastBlockShortThenExhausted() throws Exception {
        ZkClient client = zk.newClient();
        long start = Long.MAX_VALUE - 5;
        AsyncOps.join(Session.of(client).ops().createWithParents("/ids/end",
                Long.toString(start).getBytes(StandardCharsets.US_ASCII), CreateMode.PERSISTENT));
        IdGenerator ids = IdGenerator.create(client, "/ids/end", 3);
        assertEquals(List.of(start, start + 1, start + 2, start + 3, start + 4), take(ids, 5));
        IllegalStateException e = assertThrows(IllegalStateException.class, ids::nextId);
        assertTrue(e.getMessage().contains("exhausted"), e.getMessage());
    }

    @Test
    void nextId_afterSessionExpiryAndCut_continuesWithoutRepeat() throws Exception {
        ZkClient client = zk.newClient();
        IdGenerator ids = IdGenerator.create(client, "/ids/faults", 2);
        List<Long> seen = new ArrayList<>(take(ids, 3));
        zk.expireSession(client);
        seen.addAll(take(ids, 3));
        zk.cut(client);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<List<Long>> pending = pool.submit(() -> take(ids, 3));
            zk.restore(client);
            seen.addAll(pending.get());
        } finally {
            pool.shutdownNow();
        }
        UniqueNameGeneratorTest.assertIncreasing(seen);
    }

    @Test
    void badInputAndUseAfterClose() throws Exception {
        ZkClient client = zk.newClient();
        assertThrows(IllegalArgumentException.class, () -> IdGenerator.create(client, "/ids/x", 0));
        assertThrows(IllegalArgumentException.class, () -> IdGenerator.create(client, "/ids/x", -5));
        assertThrows(NullPointerException.class, () -> IdGenerator.create(client, null));
        assertThrows(NullPointerException.class, () -> IdGenerator.create(null, "/ids/x"));
        assertThrows(IllegalArgumentException.class, () -> IdGenerator.create(client, "/ids/x/"));
        assertThrows(IllegalArgumentException.class, () -> IdGenerator.create(client, "/"));
        assertEquals(0, client.requestStats().total() - client.requestStats().count(RequestStats.Type.EXISTS)
                - client.requestStats().count(RequestStats.Type.GET_DATA), "nothing written for bad input");
        IdGenerator ids = IdGenerator.create(client, "/ids/closed", 5);
        ids.nextId();
        ids.close();
        ids.close();
        assertThrows(IllegalStateException.class, ids::nextId);
        AsyncOps.join(Session.of(client).ops().setData("/ids/closed", "garbage".getBytes(StandardCharsets.US_ASCII), -1));
        IdGenerator broken = IdGenerator.create(client, "/ids/closed", 5);
        assertThrows(IllegalStateException.class, broken::nextId);
    }

    private static List<Long> take(IdGenerator ids, int count) throws InterruptedException {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(ids.nextId());
        }
        return out;
    }
}
