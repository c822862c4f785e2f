package io.zkrecipes.naming;

import io.zkrecipes.core.internal.Session;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class UniqueNameGeneratorTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void next_eightSessionsConcurrently_neverRepeatAndEachIncreases() throws Exception {
        int sessions = 8;
        int perSession = 40;
        ExecutorService pool = Executors.newFixedThreadPool(sessions);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                UniqueNameGenerator names = UniqueNameGenerator.create(zk.newClient(), "/names/jobs");
                results.add(pool.submit(() -> {
                    List<String> mine = new ArrayList<>();
                    for (int i = 0; i < perSession; i++) {
                        mine.add("job-" + names.next());
                    }
                    return mine;
                }));
            }
            Set<String> all = new HashSet<>();
            for (Future<List<String>> f : results) {
                List<String> mine = f.get();
                assertIncreasing(mine);
                assertTrue(mine.stream().allMatch(n -> n.matches("job-\\d{19}")), mine::toString);
                all.addAll(mine);
            }
            assertEquals(sessions * perSession, all.size(), "no name handed out twice");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void next_leavesNoNodesBehind() throws Exception {
        ZkClient client = zk.newClient();
        UniqueNameGenerator names = UniqueNameGenerator.create(client, "/names/clean");
        for (int i = 0; i < 20; i++) {
            names.next();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> children(client, "/names/clean").isEmpty());
    }

    @Test
    void next_parentCounterReset_namesStillNeverRepeatAndKeepOrder() throws Exception {
        // a name built from the parent's sequence counter would repeat once that counter restarts
        ZkClient client = zk.newClient();
        UniqueNameGenerator names = UniqueNameGenerator.create(client, "/names/reset");
        List<Long> seen = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 5; i++) {
                seen.add(names.nextNumber());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> children(client, "/names/reset").isEmpty());
            AsyncOps.join(Session.of(client).ops().delete("/names/reset", -1)); // the parent's counter starts over
        }
        assertIncreasing(seen);
        assertTrue(seen.get(0) > 0);
    }

    @Test
    void next_writeReplyLost_returnsAFreshNameAndLeavesNoNode() throws Exception {
        ZkClient client = zk.newClient();
        ZkClient other = zk.newClient();
        UniqueNameGenerator names = UniqueNameGenerator.create(client, "/names/lost");
        UniqueNameGenerator otherNames = UniqueNameGenerator.create(other, "/names/lost");
        String before = otherNames.next();
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, OpCode.setData); // a name's one write
        String during = names.next();
        assertTrue(dropped.isDone(), "the write's reply was dropped");
        String after = otherNames.next();
        assertIncreasing(List.of(before, during, after));
        await().atMost(Duration.ofSeconds(10)).until(() -> children(other, "/names/lost").isEmpty());
    }

    @Test
    void next_afterSessionExpiry_continuesOnTheNewSession() throws Exception {
        ZkClient client = zk.newClient();
        UniqueNameGenerator names = UniqueNameGenerator.create(client, "/names/expiry");
        long first = names.nextNumber();
        zk.expireSession(client);
        assertTrue(names.nextNumber() > first);
    }

    @Test
    void next_whileCutThenRestored_waitsForTheConnection() throws Exception {
        ZkClient client = zk.newClient();
        UniqueNameGenerator names = UniqueNameGenerator.create(client, "/names/cut");
        long first = names.nextNumber();
        zk.cut(client);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Long> pending = pool.submit(names::nextNumber);
            zk.restore(client);
            assertTrue(pending.get() > first);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badInputAndUseAfterClose() throws Exception {
        ZkClient client = zk.newClient();
        long sent = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> UniqueNameGenerator.create(null, "/n"));
        assertThrows(NullPointerException.class, () -> UniqueNameGenerator.create(client, null));
        assertThrows(IllegalArgumentException.class, () -> UniqueNameGenerator.create(client, "no-slash"));
        assertThrows(IllegalArgumentException.class, () -> UniqueNameGenerator.create(client, "/"));
        UniqueNameGenerator names = UniqueNameGenerator.create(client, "/names/bad");
        assertEquals(sent, client.requestStats().total(), "nothing sent for bad input, nor when made");
        assertTrue(names.next().matches("\\d{19}"), "a 19-digit name");
        names.close();
        names.close();
        assertThrows(IllegalStateException.class, names::next);
        assertThrows(IllegalStateException.class, names::nextNumber);
        client.close();
        assertThrows(IllegalStateException.class, () -> UniqueNameGenerator.create(client, "/names/bad"));
    }

    static <T extends Comparable<T>> void assertIncreasing(List<T> values) {
        for (int i = 1; i < values.size(); i++) {
            assertTrue(values.get(i - 1).compareTo(values.get(i)) < 0, "not strictly increasing: " + values);
        }
    }

    static List<String> children(ZkClient client, String path) throws InterruptedException {
        try {
            return AsyncOps.join(Session.of(client).ops().getChildren(path, null)).names();
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (KeeperException e) {
            throw new IllegalStateException(e);
        }
    }
}
