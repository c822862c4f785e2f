package io.zkrecipes.state;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class SharedValueTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void trySet_racersOnOneVersion_exactlyOneWinsEachRound() throws Exception {
        int racers = 5;
        List<SharedValue<String>> values = new ArrayList<>();
        for (int r = 0; r < racers; r++) {
            values.add(SharedValue.ofString(zk.newClient(), "/values/race"));
        }
        assertTrue(values.get(0).trySet(SharedValue.ABSENT, "start"));
        for (int round = 0; round < 20; round++) {
            long version = values.get(0).get().orElseThrow().version();
            AtomicInteger winners = new AtomicInteger();
            List<Future<?>> runs = new ArrayList<>();
            for (int r = 0; r < racers; r++) {
                SharedValue<String> v = values.get(r);
                String mine = "round " + round + " by " + r;
                runs.add(pool.submit(() -> {
                    if (v.trySet(version, mine)) {
                        winners.incrementAndGet();
                        assertEquals(mine, v.get().orElseThrow().value(), "the winner's value is the one kept");
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get();
            }
            assertEquals(1, winners.get(), "one winner in round " + round);
        }
    }

    @Test
    void trySet_absent_onlyOneCreator() throws Exception {
        SharedValue<String> a = SharedValue.ofString(zk.newClient(), "/values/create");
        SharedValue<String> b = SharedValue.ofString(zk.newClient(), "/values/create");
        assertEquals(Optional.empty(), a.get());
        assertTrue(a.trySet(SharedValue.ABSENT, "a"));
        assertFalse(b.trySet(SharedValue.ABSENT, "b"));
        assertEquals("a", b.get().orElseThrow().value());
    }

    @Test
    void version_growsAcrossDeleteAndRecreate() throws Exception {
        ZkClient client = zk.newClient();
        SharedValue<String> value = SharedValue.ofString(client, "/values/recreated");
        long first = value.set("one");
        long second = value.set("two");
        assertTrue(second > first);
        AsyncOps.join(Session.of(client).ops().delete("/values/recreated", -1));
        assertEquals(Optional.empty(), value.get());
        long third = value.set("three");
        assertTrue(third > second, "a re-created node's version is above every earlier one");
        assertEquals(third, value.get().orElseThrow().version());
        assertFalse(value.trySet(second, "stale"), "a version from before the re-create does not match");
        assertTrue(value.trySet(third, "four"));
    }

    @Test
    void trySet_replyDropped_settledAsApplied() throws Exception {
        ZkClient client = zk.newClient();
        SharedValue<String> value = SharedValue.ofString(client, "/values/dropped");
        long version = value.set("before");
        CompletableFuture<Integer> dropped = zk.dropNextReply(client, OpCode.setData);
        assertTrue(value.trySet(version, "after"), "the write whose reply was lost is recognized as ours");
        assertTrue(dropped.isDone());
        Optional<SharedValue.Versioned<String>> now = value.get();
        assertEquals("after", now.orElseThrow().value());
        assertFalse(value.trySet(version, "again"), "applied once: the old version is gone");
    }

    @Test
    void trySet_oneVersionBehind_costsOneWriteWithoutARead() throws Exception {
        ZkClient client = zk.newClient();
        SharedValue<String> value = SharedValue.ofString(client, "/values/cost");
        long version = value.set("a");
        long reads = client.requestStats().count(RequestStats.Type.GET_DATA);
        long total = client.requestStats().total();
        assertTrue(value.trySet(version, "b"));
        assertEquals(reads, client.requestStats().count(RequestStats.Type.GET_DATA), "the version was our own write's");
        assertEquals(total + 1, client.requestStats().total());
    }

    @Test
    void listener_getsCurrentStateThenChangesInVersionOrder() throws Exception {
        SharedValue<String> writer = SharedValue.ofString(zk.newClient(), "/values/listened");
        SharedValue<String> watcher = SharedValue.ofString(zk.newClient(), "/values/listened");
        List<Optional<SharedValue.Versioned<String>>> seen = new CopyOnWriteArrayList<>();
        watcher.addListener(seen::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        assertEquals(Optional.empty(), seen.get(0), "absent at first");
        for (int i = 0; i < 50; i++) {
            writer.set("v" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> last(seen).map(v -> v.value().equals("v49")).orElse(false));
        long previous = 0;
        for (Optional<SharedValue.Versioned<String>> s : seen.subList(1, seen.size())) {
            assertTrue(s.orElseThrow().version() > previous, "versions only grow: " + seen);
            previous = s.get().version();
        }
    }

    @Test
    void listener_afterConnectionCutAndExpiry_catchesUp() throws Exception {
        ZkClient client = zk.newClient();
        SharedValue<String> watcher = SharedValue.ofString(client, "/values/resync");
        SharedValue<String> writer = SharedValue.ofString(zk.newClient(), "/values/resync");
        writer.set("first");
        List<Optional<SharedValue.Versioned<String>>> seen = new CopyOnWriteArrayList<>();
        watcher.addListener(seen::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> last(seen).isPresent());
        zk.cut(client);
        writer.set("while cut");
        zk.restore(client);
        await().atMost(Duration.ofSeconds(10)).until(() -> "while cut".equals(last(seen).map(v -> v.value()).orElse("")));
        zk.expireSession(client);
        writer.set("after expiry");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "after expiry".equals(last(seen).map(v -> v.value()).orElse("")));
    }

    @Test
    void set_acrossServerRestart_applied() throws Exception {
        SharedValue<byte[]> value = SharedValue.ofBytes(zk.newClient(), "/values/restart");
        value.set(new byte[] {1});
        zk.killServer(0);
        Future<Long> pending = pool.submit(() -> value.set(new byte[] {2}));
        zk.restartServer(0);
        long version = pending.get(30, TimeUnit.SECONDS);
        SharedValue.Versioned<byte[]> now = value.get().orElseThrow();
        assertArrayEquals(new byte[] {2}, now.value());
        assertEquals(version, now.version());
    }

    @Test
    void badInput_rejectedBeforeAnythingIsSent() throws Exception {
        ZkClient client = zk.newClient();
        long before = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> SharedValue.ofString(null, "/v"));
        assertThrows(NullPointerException.class, () -> SharedValue.create(client, "/v", null));
        assertThrows(IllegalArgumentException.class, () -> SharedValue.ofString(client, "v"));
        assertThrows(IllegalArgumentException.class, () -> SharedValue.ofString(client, "/"));
        SharedValue<String> value = SharedValue.ofString(client, "/values/bad");
        assertThrows(NullPointerException.class, () -> value.set(null));
        assertThrows(IllegalArgumentException.class, () -> value.trySet(-1, "x"));
        assertThrows(IllegalArgumentException.class, () -> value.set("x".repeat(client.maxDataBytes() + 1)));
        SharedValue<String> nulls = SharedValue.create(client, "/values/bad", new SharedValue.Serializer<>() {
            @Override
            public byte[] serialize(String v) {
                return null;
            }

            @Override
            public String deserialize(byte[] data) {
                return "";
            }
        });
        assertThrows(NullPointerException.class, () -> nulls.set("x"));
        assertEquals(before, client.requestStats().total(), "nothing sent");
    }

    @Test
    void useAfterClose_throwsIllegalState() throws Exception {
        ZkClient client = zk.newClient();
        SharedValue<String> value = SharedValue.ofString(client, "/values/closed");
        value.set("x");
        value.close();
        value.close();
        assertThrows(IllegalStateException.class, value::get);
        assertThrows(IllegalStateException.class, () -> value.set("y"));
        assertThrows(IllegalStateException.class, () -> value.trySet(SharedValue.ABSENT, "y"));
        assertThrows(IllegalStateException.class, () -> value.addListener(v -> { }));
    }

    private static Optional<SharedValue.Versioned<String>> last(List<Optional<SharedValue.Versioned<String>>> seen) {
        return seen.isEmpty() ? Optional.empty() : seen.get(seen.size() - 1);
    }
}
