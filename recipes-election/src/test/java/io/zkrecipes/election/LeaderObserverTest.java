package io.zkrecipes.election;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class LeaderObserverTest {
    private static final String PATH = "/election";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void observer_seesEachLeaderInOrder_andNoLeaderWhenAllLeave() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        LeaderObserver observer = zk.closeAfterTest(new LeaderObserver(zk.newClient(), PATH));
        observer.addListener(leader -> seen.add(leader.map(Participant::id).orElse("none")));
        observer.start();
        assertEquals(Optional.empty(), observer.leader());

        Group g = Group.start(zk, PATH, 3);
        await().atMost(Group.WAIT).until(() -> observer.participants().size() == 3);
        assertEquals(List.of("p0", "p1", "p2"), observer.participants().stream().map(Participant::id).toList());
        assertEquals(g.awaitOneLeader().epoch().orElseThrow(), observer.leader().orElseThrow().epoch());
        for (LeaderElection e : g.elections) {
            e.close();
        }

        await().atMost(Group.WAIT).until(() -> seen.size() == 5);
        assertEquals(List.of("none", "p0", "p1", "p2", "none"), seen);
        assertEquals(Optional.empty(), observer.leader());
    }

    @Test
    void observer_readsTheLeadersData_andTellsLateListenersTheCurrentLeader() throws Exception {
        byte[] address = "10.0.0.7:8080".getBytes(StandardCharsets.UTF_8);
        Group g = new Group(zk, PATH);
        g.add(b -> b.data(address));
        g.awaitOneLeader();
        LeaderObserver observer = zk.closeAfterTest(new LeaderObserver(zk.newClient(), PATH));
        observer.start();

        Participant leader = observer.leader().orElseThrow();
        assertEquals("p0", leader.id());
        assertArrayEquals(address, leader.data());
        List<Optional<Participant>> told = new CopyOnWriteArrayList<>();
        observer.addListener(told::add);
        await().atMost(Group.WAIT).until(() -> told.equals(List.of(Optional.of(leader))));
    }

    @Test
    void observer_resyncsAfterItsSessionExpires() throws Exception {
        ZkClient client = zk.newClient();
        LeaderObserver observer = zk.closeAfterTest(new LeaderObserver(client, PATH));
        Group g = Group.start(zk, PATH, 2);
        observer.start();
        assertEquals("p0", observer.leader().orElseThrow().id());

        zk.cut(client);
        g.elections.get(0).close();
        zk.restore(client);
        await().atMost(Group.WAIT).until(() -> observer.leader().map(Participant::id).orElse("").equals("p1"));

        zk.expireSession(client);
        g.elections.get(1).close();
        await().atMost(Group.WAIT).until(() -> observer.leader().isEmpty());
        g.add(b -> b);
        await().atMost(Group.WAIT).until(() -> observer.leader().map(Participant::id).orElse("").equals("p2"));
    }

    @Test
    void observer_badInputAndLifecycle() throws Exception {
        ZkClient client = zk.newClient();
        assertThrows(NullPointerException.class, () -> new LeaderObserver(null, PATH));
        assertThrows(NullPointerException.class, () -> new LeaderObserver(client, null));
        assertThrows(IllegalArgumentException.class, () -> new LeaderObserver(client, "no-slash"));
        LeaderObserver observer = new LeaderObserver(client, PATH);
        assertThrows(NullPointerException.class, () -> observer.addListener(null));
        observer.start();
        assertThrows(IllegalStateException.class, observer::start);
        observer.close();
        observer.close();
        assertThrows(IllegalStateException.class, () -> observer.addListener(leader -> { }));
        assertTrue(observer.participants().isEmpty());
    }
}
