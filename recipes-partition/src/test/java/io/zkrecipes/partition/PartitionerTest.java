package io.zkrecipes.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sharing, joins, leaves and changes of the set on one server. */
@Timeout(60)
class PartitionerTest {
    private static final String PATH = "/jobs/shards";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void members_shareEveryPartitionOnce_balanced_withTokensFromTheOwnerNodes() throws Exception {
        Group group = new Group(zk, PATH, 16);
        group.join("a");
        group.join("b");
        group.join("c");
        group.awaitStable();
        assertTrue(group.get("a").awaitBalanced(Duration.ofSeconds(5)));
        ZkClient reader = zk.newClient();
        for (String id : group.ids()) {
            for (Map.Entry<String, Long> e : group.get(id).owned().entrySet()) {
                Stat stat = new Stat();
                byte[] data = reader.unwrap().getData(PATH + "/owners/" + e.getKey(), false, stat);
                assertEquals(id, new String(data, StandardCharsets.UTF_8), "the owner node names its member");
                assertEquals(stat.getCzxid(), e.getValue(), "the token is the owner node's czxid");
                assertEquals(group.client(id).sessionId(), stat.getEphemeralOwner());
            }
        }
        assertEquals(List.of("a", "b", "c"), List.copyOf(group.get("b").members()));
        assertEquals(16, group.get("c").partitions().size());
    }

    @Test
    void join_movesPartitionsReleasedBeforeAcquired_andLeaveHandsThemOver() {
        Group group = new Group(zk, PATH, 24);
        for (String id : List.of("a", "b", "c", "d")) {
            group.join(id);
        }
        group.awaitStable();
        Map<String, String> before = group.ledger.owners();
        long grants = group.ledger.grants();
        group.join("e");
        group.awaitStable();
        Map<String, String> after = group.ledger.owners();
        long moved = before.keySet().stream().filter(p -> !before.get(p).equals(after.get(p))).count();
        assertEquals(moved, group.ledger.grants() - grants, "one grant for each partition that moved");
        assertTrue(moved >= 4 && moved <= 10, "a fifth member takes about a fifth of 24: moved " + moved);
        Map<String, Long> leaving = group.get("b").owned();
        group.leave("b");
        assertTrue(group.ledger.heldBy("b").isEmpty(), "close returns after the revocations");
        group.awaitStable();
        leaving.keySet().forEach(p -> assertFalse(group.ledger.owners().get(p).equals("b")));
    }

    @Test
    void storedSet_winsOverALaterBuilder_andSetPartitionsChangesItForAll() throws Exception {
        Group group = new Group(zk, PATH, 8);
        group.join("a");
        group.join("b");
        group.awaitStable();
        Partitioner late = zk.closeAfterTest(Partitioner.builder(zk.newClient(), PATH, "c").partitions(3).build());
        late.start();
        await().atMost(Group.STABLE).until(() -> late.partitions().size() == 8);
        late.close();
        List<String> names = List.of("eu-1", "eu-2", "us-1", "us-2", "us-3");
        group.get("a").setPartitions(names, Duration.ofSeconds(5));
        await("both members follow the new set").atMost(Group.STABLE).until(() -> {
            Map<String, String> owners = new TreeMap<>(group.ledger.owners());
            return owners.keySet().equals(new java.util.TreeSet<>(names));
        });
        assertTrue(group.get("a").awaitBalanced(Group.STABLE));
        assertTrue(group.get("b").awaitBalanced(Group.STABLE));
        group.ledger.assertSafe();
    }

    @Test
    void close_fromInsideACallback_doesNotWaitForItself() throws Exception {
        ZkClient client = zk.newClient();
        java.util.concurrent.CompletableFuture<Long> closedIn = new java.util.concurrent.CompletableFuture<>();
        Partitioner[] self = new Partitioner[1];
        self[0] = zk.closeAfterTest(Partitioner.builder(client, PATH, "solo").partitions(2)
                .listener(new PartitionListener() {
                    @Override
                    public void assigned(String partition, long token) {
                        long start = System.nanoTime();
                        self[0].close();
                        closedIn.complete(System.nanoTime() - start);
                    }

                    @Override
                    public void revoked(String partition) {
                    }
                }).build());
        self[0].start();
        long nanos = closedIn.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(nanos < Duration.ofSeconds(1).toNanos(), "close inside a callback took " + nanos + " ns");
        await().atMost(Group.STABLE).until(() -> client.unwrap().getChildren(PATH + "/owners", false).isEmpty());
    }
}
