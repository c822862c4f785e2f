package io.zkrecipes.micrometer;

import static io.zkrecipes.micrometer.Metered.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zkrecipes.queue.DistributedQueue;
import io.zkrecipes.queue.DistributedQueue.Outcome;
import io.zkrecipes.queue.Serializer;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueueMetricsTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/queues/jobs";
    static final Duration SOON = Duration.ofSeconds(5);

    @Test
    void putAndTake_countItems_andTheDepthFollowsTheConsumer() throws Exception {
        Metered a = new Metered(zk);
        DistributedQueue<String> q = queue(a, 3);
        q.putAll(List.of("j1", "j2", "j3"));
        awaitValue(3.0, () -> a.count("zkrecipes.queue.puts", "path", PATH));
        assertEquals("j1", q.take());
        awaitValue(1.0, () -> a.count("zkrecipes.queue.takes", "path", PATH));
        awaitValue(2.0, () -> a.gauge("zkrecipes.queue.depth", "path", PATH));
        q.take();
        q.take();
        awaitValue(0.0, () -> a.gauge("zkrecipes.queue.depth", "path", PATH));
        awaitValue(3.0, () -> a.count("zkrecipes.queue.takes", "path", PATH)); // the depth is reported before the take
    }

    @Test
    void processing_countsEachOutcome_andTheDeadLetters() throws Exception {
        Metered a = new Metered(zk);
        DistributedQueue<String> q = queue(a, 1);
        q.put("fine");
        q.put("poison");
        assertEquals(Outcome.COMPLETED, q.processNext(SOON, item -> { }));
        assertEquals(Outcome.DEAD_LETTERED, q.processNext(SOON, item -> {
            throw new IllegalArgumentException("cannot handle " + item);
        }));
        assertEquals(Outcome.EMPTY, q.processNext(Duration.ZERO, item -> { }));
        awaitValue(1.0, () -> a.count("zkrecipes.queue.outcomes", "path", PATH, "outcome", "empty"));
        assertEquals(1, a.count("zkrecipes.queue.outcomes", "path", PATH, "outcome", "completed"));
        assertEquals(1, a.count("zkrecipes.queue.outcomes", "path", PATH, "outcome", "dead_lettered"));
        assertEquals(1, a.count("zkrecipes.queue.dead.letters", "path", PATH));
    }

    private DistributedQueue<String> queue(Metered m, int maxAttempts) {
        return zk.closeAfterTest(DistributedQueue.builder(m.client, PATH, Serializer.utf8()).maxAttempts(maxAttempts).build());
    }
}
