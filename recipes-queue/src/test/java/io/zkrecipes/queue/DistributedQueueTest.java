package io.zkrecipes.queue;

import io.zkrecipes.core.internal.Session;
import static io.zkrecipes.queue.QueueTesting.queue;
import static io.zkrecipes.queue.QueueTesting.watchCount;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DistributedQueueTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void takesInPutOrder_oneProducerOneConsumer() throws Exception {
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        DistributedQueue<String> consumer = queue(zk.newClient(), "/q", 10_000);
        for (int i = 0; i < 50; i++) {
            producer.put("item-" + i);
        }
        assertEquals(50, consumer.size());
        assertEquals(Optional.of("item-0"), consumer.peek());
        for (int i = 0; i < 50; i++) {
            assertEquals("item-" + i, consumer.take());
        }
        assertEquals(Optional.empty(), consumer.poll(Duration.ZERO));
        assertEquals(Optional.empty(), consumer.peek());
        assertEquals(0, consumer.size());
    }

    @Test
    void putAll_isAtomicAndKeepsOrder() throws Exception {
        DistributedQueue<String> q = queue(zk.newClient(), "/q", 10_000);
        q.put("first");
        q.putAll(List.of("a", "b", "c"));
        q.putAll(List.of());
        assertEquals(List.of("first", "a", "b", "c"), drain(q));
    }

    @Test
    void bucketRollOver_keepsFifoAndDeletesDrainedBuckets() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> producer = queue(client, "/q", 3);
        DistributedQueue<String> consumer = queue(zk.newClient(), "/q", 3);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("item-" + i);
            if (i % 5 == 4) {
                producer.putAll(expected.subList(expected.size() - 2, expected.size()));
            } else if (i % 5 != 3) {
                producer.put("item-" + i);
            }
        }
        assertTrue(buckets(client).size() >= 5, "items spread over buckets: " + buckets(client));
        assertEquals(expected, drain(consumer));
        assertTrue(buckets(client).size() <= 1, "drained buckets deleted: " + buckets(client));
        // the tail bucket is a container: the server reaps it once empty
        await().atMost(Duration.ofSeconds(20)).until(() -> buckets(client).isEmpty());
        producer.put("after-cleanup");
        assertEquals(Optional.of("after-cleanup"), consumer.poll(Duration.ofSeconds(10)));
    }

    @Test
    void poll_waitsForAPut() throws Exception {
        DistributedQueue<String> consumer = queue(zk.newClient(), "/q", 10_000);
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        assertEquals(Optional.empty(), consumer.poll(Duration.ofMillis(50)));
        Thread t = new Thread(() -> {
            try {
                producer.put("late");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        assertEquals(Optional.of("late"), consumer.poll(Duration.ofSeconds(10)));
        t.join(10_000);
    }

    @Test
    void instanceOnAnExistingQueue_createsNoneOfItsDirectories() throws Exception {
        DistributedQueue<String> first = queue(zk.newClient(), "/q", 10_000);
        first.put("a");
        ZkClient client = zk.newClient();
        DistributedQueue<String> second = queue(client, "/q", 10_000);
        assertEquals(Optional.of("a"), second.poll(Duration.ofSeconds(5)));
        // a create that fails with "exists" still costs the ensemble a write: only the owner node is made
        assertEquals(1, client.requestStats().count(RequestStats.Type.CREATE), client.requestStats().toString());
    }

    @Test
    void emptyPolls_leaveWatchesAndRequestsFlat() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = queue(client, "/q", 10_000);
        assertEquals(Optional.empty(), q.poll(Duration.ZERO));
        int watches = watchCount(client);
        long requests = client.requestStats().total();
        for (int i = 0; i < 10_000; i++) {
            assertEquals(Optional.empty(), q.poll(Duration.ofNanos(1_000)));
        }
        assertEquals(watches, watchCount(client), "watches after 10,000 empty polls");
        assertTrue(client.requestStats().total() - requests < 10,
                "an empty queue known from its watches costs no requests: " + client.requestStats());
        q.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> watchCount(client) == 0);
    }

    @Test
    void badInput_rejectedBeforeSending() throws Exception {
        ZkClient client = zk.newClient();
        DistributedQueue<String> q = queue(client, "/q", 10_000);
        long requests = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> q.put(null));
        assertThrows(NullPointerException.class, () -> q.putAll(null));
        assertThrows(NullPointerException.class, () -> q.putAll(java.util.Arrays.asList("a", null)));
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> q.put("x".repeat(client.maxDataBytes() + 1)));
        assertTrue(big.getMessage().contains("limit"), big.getMessage());
        assertThrows(IllegalArgumentException.class, () -> q.putAll(List.of("x".repeat(600_000), "y".repeat(600_000))));
        assertThrows(IllegalArgumentException.class, () -> q.poll(Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> q.poll(null));
        assertThrows(NullPointerException.class, () -> q.processNext(Duration.ZERO, null));
        assertEquals(requests, client.requestStats().total(), "nothing sent");
        assertThrows(NullPointerException.class, () -> DistributedQueue.builder(client, "/q", null));
        assertThrows(NullPointerException.class, () -> DistributedQueue.builder(null, "/q", Serializer.utf8()));
        assertThrows(IllegalArgumentException.class, () -> DistributedQueue.builder(client, "q", Serializer.utf8()));
        assertThrows(IllegalArgumentException.class, () -> DistributedQueue.builder(client, "/q/", Serializer.utf8()));
        assertThrows(IllegalArgumentException.class, () -> DistributedQueue.builder(client, "/", Serializer.utf8()));
        var builder = DistributedQueue.builder(client, "/q", Serializer.utf8());
        assertThrows(IllegalArgumentException.class, () -> builder.bucketCapacity(0));
        assertThrows(IllegalArgumentException.class, () -> builder.bucketCapacity(1_000_000));
        assertThrows(IllegalArgumentException.class, () -> builder.maxAttempts(0));
    }

    @Test
    void useAfterClose_throwsIllegalState() throws Exception {
        DistributedQueue<String> q = queue(zk.newClient(), "/q", 10_000);
        q.close();
        q.close();
        assertThrows(IllegalStateException.class, () -> q.put("x"));
        assertThrows(IllegalStateException.class, () -> q.putAll(List.of("x")));
        assertThrows(IllegalStateException.class, q::take);
        assertThrows(IllegalStateException.class, () -> q.poll(Duration.ZERO));
        assertThrows(IllegalStateException.class, q::peek);
        assertThrows(IllegalStateException.class, q::size);
        assertThrows(IllegalStateException.class, () -> q.processNext(Duration.ZERO, item -> { }));
    }

    @Test
    void close_wakesAWaitingTake() throws Exception {
        DistributedQueue<String> q = queue(zk.newClient(), "/q", 10_000);
        Thread closer = new Thread(() -> {
            await().pollDelay(Duration.ofMillis(100)).until(() -> true);
            q.close();
        });
        closer.start();
        assertThrows(IllegalStateException.class, q::take);
        closer.join(10_000);
    }

    @Test
    void bucketTooLargeForTheClient_failsClearlyInsteadOfReconnectingForever() throws Exception {
        DistributedQueue<String> producer = queue(zk.newClient(), "/q", 10_000);
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            batch.add("i" + i);
        }
        producer.putAll(batch);
        ZKClientConfig small = new ZKClientConfig();
        small.setProperty("jute.maxbuffer", "8192");
        ZkClient smallClient = zk.newClient(b -> b.clientConfig(small));
        DistributedQueue<String> consumer = queue(smallClient, "/q", 10);
        ZkRecipeException e = assertThrows(ZkRecipeException.class, () -> consumer.poll(Duration.ofSeconds(20)));
        assertTrue(e.getMessage().contains("packet limit"), e.getMessage());
    }

    @Test
    void bytesSerializer_roundTrips() throws Exception {
        DistributedQueue<byte[]> q = DistributedQueue.builder(zk.newClient(), "/raw", Serializer.bytes()).build();
        q.put(new byte[] {1, 2, 3});
        q.put(new byte[0]);
        assertEquals(List.of((byte) 1, (byte) 2, (byte) 3), boxed(q.take()));
        assertEquals(0, q.take().length);
    }

    static List<String> drain(DistributedQueue<String> q) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (Optional<String> item = q.poll(Duration.ZERO); item.isPresent(); item = q.poll(Duration.ZERO)) {
            out.add(item.get());
        }
        return out;
    }

    static List<String> buckets(ZkClient client) throws Exception {
        List<String> out = new ArrayList<>();
        for (String name : AsyncOps.join(Session.of(client).ops().getChildren("/q", null)).names()) {
            if (name.startsWith("b-")) {
                out.add(name);
            }
        }
        return out;
    }

    private static List<Byte> boxed(byte[] bytes) {
        List<Byte> out = new ArrayList<>();
        for (byte b : bytes) {
            out.add(b);
        }
        return out;
    }
}
