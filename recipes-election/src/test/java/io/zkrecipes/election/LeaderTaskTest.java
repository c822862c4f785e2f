package io.zkrecipes.election;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.testing.ZkTestServers;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The callback style: work that runs only while leading. */
@Timeout(60)
class LeaderTaskTest {
    private static final String PATH = "/election";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    private final List<String> log = new CopyOnWriteArrayList<>();

    private LeaderTask untilInterrupted(String name) {
        return epoch -> {
            log.add("start " + name);
            try {
                new java.util.concurrent.CountDownLatch(1).await(); // works until interrupted
            } finally {
                log.add("end " + name);
            }
        };
    }

    @Test
    void task_runsWhileLeading_isInterruptedOnClose_andTheNextTaskRunsAfterIt() throws Exception {
        Group g = new Group(zk, PATH);
        LeaderElection first = g.add(b -> b.runWhileLeading(untilInterrupted("p0")));
        g.add(b -> b.runWhileLeading(untilInterrupted("p1")));
        await().atMost(Group.WAIT).until(() -> log.equals(List.of("start p0")));

        first.close(); // returns once the task has ended and the node is gone

        assertEquals("end p0", log.get(1));
        await().atMost(Group.WAIT).until(() -> log.size() == 3);
        assertEquals("start p1", log.get(2));
    }

    @Test
    void task_interruptedOnSuspension_andRunsAgainAfterReconnectWithAutoRequeue() throws Exception {
        Group g = new Group(zk, PATH);
        LeaderElection e = g.add(b -> b.runWhileLeading(untilInterrupted("p0")).autoRequeue(true));
        await().atMost(Group.WAIT).until(() -> log.size() == 1);
        long epoch = e.fencingToken().orElseThrow();

        zk.cut(g.clientOf(e));
        await().atMost(Group.WAIT).until(() -> log.contains("end p0"));
        zk.restore(g.clientOf(e));

        await().atMost(Group.WAIT).until(() -> log.size() == 3);
        assertEquals(List.of("start p0", "end p0", "start p0"), log);
        assertEquals(epoch, e.fencingToken().orElseThrow()); // same node kept through the suspension
    }

    @Test
    void taskReturning_givesUpLeadership_andStaysOutWithoutAutoRequeue() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Group g = new Group(zk, PATH);
        LeaderElection first = g.add(b -> b.runWhileLeading(epoch -> release.await(10, TimeUnit.SECONDS)));
        LeaderElection second = g.add(b -> b.runWhileLeading(untilInterrupted("p1")));
        assertTrue(first.awaitLeadership(Group.WAIT));

        release.countDown();

        assertTrue(second.awaitLeadership(Group.WAIT));
        assertFalse(first.hasLeadership());
        assertEquals(1, g.nodes(g.clientOf(second)).size()); // the first one left and stays out
        first.resign(); // resign brings it back, at the back of the line
        await().atMost(Group.WAIT).until(() -> g.nodes(g.clientOf(second)).size() == 2);
    }

    @Test
    void taskReturning_rejoinsAtTheBackWithAutoRequeue() throws Exception {
        Group g = new Group(zk, PATH);
        LeaderElection first = g.add(b -> b.runWhileLeading(epoch -> log.add("ran p0")).autoRequeue(true));
        LeaderElection second = g.add(b -> b.runWhileLeading(untilInterrupted("p1")));

        assertTrue(second.awaitLeadership(Group.WAIT));
        await().atMost(Group.WAIT).until(() -> g.nodes(g.clientOf(second)).size() == 2);
        assertTrue(log.contains("ran p0"));
        assertFalse(first.hasLeadership());
    }
}
