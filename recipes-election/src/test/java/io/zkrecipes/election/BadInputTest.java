package io.zkrecipes.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.zookeeper.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(30)
class BadInputTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void builder_rejectsBadArgumentsAtOnce_sendingNothing() {
        ZkClient client = zk.newClient();
        long sent = client.requestStats().total();
        assertThrows(NullPointerException.class, () -> LeaderElection.builder(null, "/e", "a"));
        assertThrows(NullPointerException.class, () -> LeaderElection.builder(client, null, "a"));
        assertThrows(NullPointerException.class, () -> LeaderElection.builder(client, "/e", null));
        IllegalArgumentException path = assertThrows(IllegalArgumentException.class,
                () -> LeaderElection.builder(client, "e/", "a"));
        assertTrue(path.getMessage().startsWith("path"), path.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LeaderElection.builder(client, "/e/", "a"));
        assertThrows(IllegalArgumentException.class, () -> LeaderElection.builder(client, "/", "a"));
        assertThrows(IllegalArgumentException.class, () -> LeaderElection.builder(client, "/e", ""));
        assertThrows(IllegalArgumentException.class, () -> LeaderElection.builder(client, "/e", "a\0b"));
        LeaderElection.Builder b = LeaderElection.builder(client, "/e", "a");
        assertThrows(NullPointerException.class, () -> b.data(null));
        assertThrows(IllegalArgumentException.class, () -> b.data(new byte[client.maxDataBytes()]));
        assertThrows(NullPointerException.class, () -> b.listener(null));
        assertThrows(NullPointerException.class, () -> b.listenerExecutor(null));
        assertThrows(NullPointerException.class, () -> b.runWhileLeading(null));
        assertThrows(IllegalStateException.class, () -> b.autoRequeue(true).build());
        assertEquals(sent, client.requestStats().total());
    }

    @Test
    void calls_rejectBadArguments_andMisuseBeforeStartAndAfterClose() throws Exception {
        ZkClient client = zk.newClient();
        LeaderElection e = LeaderElection.builder(client, "/e", "a").build();
        assertThrows(IllegalStateException.class, () -> e.awaitLeadership(Duration.ZERO));
        assertThrows(IllegalStateException.class, e::resign);
        assertFalse(e.hasLeadership());

        e.start();
        assertThrows(IllegalStateException.class, e::start);
        assertThrows(IllegalArgumentException.class, () -> e.awaitLeadership(Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> e.awaitLeadership(null));
        assertThrows(NullPointerException.class, () -> e.writeAsLeader(null));
        assertThrows(NullPointerException.class, () -> e.writeAsLeader(Arrays.asList((Op) null)));
        assertTrue(e.awaitLeadership(Group.WAIT));

        e.close();
        e.close();
        assertFalse(e.hasLeadership());
        assertTrue(e.fencingToken().isEmpty());
        assertThrows(IllegalStateException.class, e::start);
        assertThrows(IllegalStateException.class, e::resign);
        assertThrows(IllegalStateException.class, () -> e.awaitLeadership(Duration.ofSeconds(1)));
        assertThrows(IllegalStateException.class, () -> e.writeAsLeader(List.of()));
        assertTrue(client.unwrap().getChildren("/e", false).isEmpty());
    }

    @Test
    void awaitLeadership_timesOutBehindALeader_andHonoursInterrupt() throws Exception {
        Group g = Group.start(zk, "/e", 2);
        LeaderElection second = g.elections.get(1);
        g.awaitOneLeader();
        assertFalse(second.awaitLeadership(Duration.ofMillis(100)));
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> second.awaitLeadership(Duration.ofSeconds(5)));
    }
}
