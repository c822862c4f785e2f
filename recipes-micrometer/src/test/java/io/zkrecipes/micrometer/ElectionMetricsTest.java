package io.zkrecipes.micrometer;

import static io.zkrecipes.micrometer.Metered.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.election.LeaderElection;
import io.zkrecipes.election.LeaderObserver;
import io.zkrecipes.testing.ZkTestServers;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ElectionMetricsTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/elections/master";

    @Test
    void leadThenStepDown_movesTheLeadingGauge_theChanges_andTheTimeAsLeader() throws Exception {
        Metered a = new Metered(zk);
        LeaderElection election = LeaderElection.builder(a.client, PATH, "node-a").build();
        election.start();
        assertTrue(election.awaitLeadership(Metered.WAIT));
        awaitValue(1.0, () -> a.gauge("zkrecipes.election.leading", "path", PATH));
        assertEquals(1, a.count("zkrecipes.election.leadership.changes", "path", PATH, "change", "gained"));
        zk.cut(a.client); // steps down on SUSPENDED
        awaitValue(0.0, () -> a.gauge("zkrecipes.election.leading", "path", PATH));
        assertEquals(1, a.count("zkrecipes.election.leadership.changes", "path", PATH, "change", "lost"));
        assertEquals(1, a.timed("zkrecipes.election.leadership", "path", PATH));
        zk.restore(a.client);
        election.close();
    }

    @Test
    void observer_seesALeader_thenNone_withoutTheLeaderAsATag() throws Exception {
        Metered watcher = new Metered(zk);
        LeaderObserver observer = zk.closeAfterTest(LeaderObserver.create(watcher.client, PATH));
        observer.start();
        LeaderElection election = LeaderElection.builder(zk.newClient(), PATH, "node-b").build();
        election.start();
        awaitValue(1.0, () -> watcher.gauge("zkrecipes.election.leader.present", "path", PATH));
        election.close();
        awaitValue(0.0, () -> watcher.gauge("zkrecipes.election.leader.present", "path", PATH));
        assertTrue(watcher.count("zkrecipes.election.leader.changes", "path", PATH) >= 2);
        assertTrue(watcher.registry.getMeters().stream()
                .flatMap(m -> m.getId().getTags().stream()).noneMatch(t -> t.getValue().contains("node-b")),
                "no meter is tagged with a participant's id");
    }
}
