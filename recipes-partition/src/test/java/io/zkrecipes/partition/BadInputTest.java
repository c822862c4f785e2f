package io.zkrecipes.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/** Bad arguments fail at once, naming the argument and the rule, with nothing sent; closed means closed. */
@Timeout(30)
class BadInputTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void badArguments_failAtOnce_andSendNothing() {
        ZkClient client = zk.newClient();
        long sent = client.requestStats().total();
        assertRule(NullPointerException.class, "client", () -> Partitioner.builder(null, "/g", "m"));
        assertRule(NullPointerException.class, "path", () -> Partitioner.builder(client, null, "m"));
        assertRule(IllegalArgumentException.class, "path", () -> Partitioner.builder(client, "g", "m"));
        assertRule(IllegalArgumentException.class, "path must not be '/'", () -> Partitioner.builder(client, "/", "m"));
        assertRule(NullPointerException.class, "memberId", () -> Partitioner.builder(client, "/g", null));
        assertRule(IllegalArgumentException.class, "memberId 'a/b'", () -> Partitioner.builder(client, "/g", "a/b"));
        Partitioner.Builder b = Partitioner.builder(client, "/g", "m");
        assertRule(IllegalArgumentException.class, "partitions must be at least 1", () -> b.partitions(0));
        assertRule(IllegalArgumentException.class, "partitions must be at most", () -> b.partitions(Integer.MAX_VALUE));
        assertRule(IllegalArgumentException.class, "partitions must not be empty", () -> b.partitions(List.of()));
        assertRule(IllegalArgumentException.class, "'x' is given twice", () -> b.partitions(List.of("x", "y", "x")));
        assertRule(IllegalArgumentException.class, "line break", () -> b.partitions(List.of("a\nb")));
        assertRule(IllegalArgumentException.class, "partition '..'", () -> b.partitions(List.of("..")));
        assertRule(NullPointerException.class, "partition", () -> b.partitions(Arrays.asList("a", null)));
        List<String> huge = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            huge.add("partition-" + i);
        }
        assertRule(IllegalArgumentException.class, "over the limit", () -> b.partitions(huge));
        assertRule(NullPointerException.class, "listener", () -> b.listener(null));
        assertRule(NullPointerException.class, "executor", () -> b.executor(null));
        Partitioner p = zk.closeAfterTest(b.partitions(3).build());
        assertRule(IllegalStateException.class, "not started", p::owned);
        assertRule(IllegalArgumentException.class, "timeout must not be negative",
                () -> p.setPartitions(List.of("a"), Duration.ofSeconds(-1)));
        assertRule(IllegalArgumentException.class, "partitions must not be empty",
                () -> p.setPartitions(List.of(), Duration.ofSeconds(1)));
        assertEquals(sent, client.requestStats().total(), "nothing was sent");
    }

    @Test
    void useAfterClose_isIllegalState_andCloseIsIdempotent() throws Exception {
        ZkClient client = zk.newClient();
        Partitioner p = Partitioner.create(client, "/g", "m", 4, new PartitionListener() {
            @Override
            public void assigned(String partition, long token) {
            }

            @Override
            public void revoked(String partition) {
            }
        });
        p.start();
        assertTrue(p.awaitBalanced(Duration.ofSeconds(10)));
        assertEquals(4, p.owned().size());
        assertRule(IllegalStateException.class, "already started", p::start);
        p.close();
        p.close();
        assertRule(IllegalStateException.class, "closed", p::owned);
        assertRule(IllegalStateException.class, "closed", p::start);
        assertRule(IllegalStateException.class, "closed", () -> p.awaitBalanced(Duration.ofSeconds(1)));
        assertRule(IllegalStateException.class, "closed", () -> p.setPartitions(List.of("a"), Duration.ofSeconds(1)));
        assertTrue(client.unwrap().getChildren("/g/owners", false).isEmpty(), "close deleted the owner nodes");
        assertTrue(client.unwrap().getChildren("/g/members", false).isEmpty(), "and the member node");
        client.close();
        assertRule(IllegalStateException.class, "client is closed", () -> Partitioner.builder(client, "/g", "n"));
    }

    private static void assertRule(Class<? extends Throwable> type, String message, Executable call) {
        Throwable t = assertThrows(type, call);
        assertTrue(String.valueOf(t.getMessage()).contains(message), () -> "message '" + t.getMessage()
                + "' should contain '" + message + "'");
    }
}
