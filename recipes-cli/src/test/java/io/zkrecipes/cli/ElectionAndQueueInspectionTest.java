package io.zkrecipes.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.election.LeaderElection;
import io.zkrecipes.lock.SequentialLock;
import io.zkrecipes.queue.DistributedPriorityQueue;
import io.zkrecipes.queue.DistributedQueue;
import io.zkrecipes.queue.Serializer;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class ElectionAndQueueInspectionTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void election_showsLeaderTokenAndThreeParticipantsInLineWithTheirData() throws Exception {
        ZkClient observer = zk.newClient();
        LeaderElection first = join("node-1", "http://10.0.0.1:8080");
        assertTrue(first.awaitLeadership(Duration.ofSeconds(20)));
        join("node-2", "http://10.0.0.2:8080");
        join("node-3", "");
        await().atMost(Duration.ofSeconds(20)).until(() -> observer.unwrap().getChildren("/elections/orders", false).size() == 3);

        JsonNode json = Cli.run(zk, "election", "/elections/orders", "--json").json();
        assertEquals("node-1", json.get("leader").get("id").asText());
        assertEquals(first.fencingToken().getAsLong(), json.get("leader").get("fencingToken").asLong());
        JsonNode line = json.get("participants");
        assertEquals(List.of("node-1", "node-2", "node-3"), List.of(line.get(0).get("id").asText(),
                line.get(1).get("id").asText(), line.get(2).get("id").asText()));
        assertEquals("http://10.0.0.2:8080", line.get(1).get("data").get("value").asText());
        assertEquals(0, line.get(2).get("data").get("bytes").asInt());
        assertTrue(line.get(0).get("fencingToken").asLong() < line.get(1).get("fencingToken").asLong());

        String text = Cli.run(zk, "election", "/elections/orders").text();
        assertTrue(text.contains("leader        node-1"), text);
        assertTrue(text.contains("participants  3, in line"), text);
        assertTrue(text.indexOf("2. node-2") < text.indexOf("3. node-3"), text);
        assertTrue(text.contains("data \"http://10.0.0.2:8080\""), text);
    }

    @Test
    void lockPath_isNotAnElection() throws Exception {
        SequentialLock.create(zk.newClient(), "/locks/x").acquire();
        Cli.Result r = Cli.run(zk, "election", "/locks/x");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("/locks/x is not an election"), r.err());
    }

    @Test
    void queue_showsDepthBucketsClaimInProgressAndDeadLetters() throws Exception {
        ZkClient producer = zk.newClient();
        ZkClient consumer = zk.newClient();
        DistributedQueue<String> in = zk.closeAfterTest(
                DistributedQueue.builder(producer, "/queues/jobs", Serializer.utf8()).maxAttempts(1).build());
        DistributedQueue<String> out = zk.closeAfterTest(
                DistributedQueue.builder(consumer, "/queues/jobs", Serializer.utf8()).maxAttempts(1).build());
        in.put("poison");
        assertEquals(DistributedQueue.Outcome.DEAD_LETTERED, out.processNext(Duration.ofSeconds(10), item -> {
            throw new IllegalArgumentException("cannot handle " + item);
        }));
        in.putAll(List.of("job-1", "job-2", "job-3"));
        CountDownLatch working = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<DistributedQueue.Outcome> processing = CompletableFuture.supplyAsync(() -> {
            try {
                return out.processNext(Duration.ofSeconds(10), item -> {
                    working.countDown();
                    try {
                        finish.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        });
        assertTrue(working.await(20, TimeUnit.SECONDS));

        JsonNode json = Cli.run(zk, "queue", "/queues/jobs", "--json").json();
        assertEquals(3, json.get("depth").asLong());
        assertEquals(3, json.get("buckets").get(0).get("items").asInt());
        assertEquals("job-1", json.get("head").get("data").get("value").asText());
        assertTrue(json.get("headClaimed").asBoolean());
        assertEquals(1, json.get("claims").size());
        assertEquals(Cli.session(consumer.sessionId()), json.get("claims").get(0).get("session").asText());
        assertEquals(json.get("head").get("key").asText(), json.get("claims").get(0).get("key").asText());
        assertEquals(1, json.get("deadLetters").size());
        assertEquals("poison", json.get("deadLetters").get(0).get("data").get("value").asText());
        assertTrue(json.get("instances").asInt() >= 1, json.toString()); // the producer's owner node at least

        String text = Cli.run(zk, "queue", "/queues/jobs").text();
        assertTrue(text.contains("depth        3 items"), text);
        assertTrue(text.contains("claims       1 in progress"), text);
        assertTrue(text.contains("session " + Cli.session(consumer.sessionId())), text);
        assertTrue(text.contains("\"poison\""), text);
        assertTrue(text.contains("\"job-1\"") && text.contains("(claimed)"), text);

        finish.countDown();
        assertEquals(DistributedQueue.Outcome.COMPLETED, processing.get(20, TimeUnit.SECONDS));
        assertEquals(2, Cli.run(zk, "queue", "/queues/jobs", "--json").json().get("depth").asLong());
    }

    @Test
    void priorityQueue_showsEachLanesBucketsInTheOrderTheyAreTaken_andTheHeadOfTheFirst() throws Exception {
        DistributedPriorityQueue<String> q = zk.closeAfterTest(
                DistributedPriorityQueue.builder(zk.newClient(), "/queues/work", Serializer.utf8()).build());
        q.putAll(List.of("bulk-1", "bulk-2"), 10);
        q.put("urgent", -1);

        JsonNode json = Cli.run(zk, "queue", "/queues/work", "--json").json();
        assertEquals(3, json.get("depth").asLong());
        assertEquals(2, json.get("buckets").size(), json.toString());
        assertEquals("p-7fffffff/b-0000000000", json.get("buckets").get(0).get("name").asText());
        assertEquals(1, json.get("buckets").get(0).get("items").asInt());
        assertEquals(2, json.get("buckets").get(1).get("items").asInt());
        assertEquals("urgent", json.get("head").get("data").get("value").asText());
        assertTrue(json.get("head").get("key").asText().startsWith("p-7fffffff.b-0000000000.i"), json.toString());
    }

    @Test
    void electionPath_isNotAQueue() throws Exception {
        assertTrue(join("solo", "").awaitLeadership(Duration.ofSeconds(20)));
        Cli.Result r = Cli.run(zk, "queue", "/elections/orders");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is not a queue"), r.err());
    }

    private static LeaderElection join(String id, String data) {
        LeaderElection election = zk.closeAfterTest(LeaderElection.builder(zk.newClient(), "/elections/orders", id)
                .data(data.getBytes(StandardCharsets.UTF_8)).build());
        election.start();
        return election;
    }
}
