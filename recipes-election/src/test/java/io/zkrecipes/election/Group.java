package io.zkrecipes.election;

import static org.awaitility.Awaitility.await;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.LeaderHistory;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.apache.zookeeper.KeeperException;

/** Participants of one election, each on its own client (as separate processes would be). */
final class Group {
    static final Duration WAIT = Duration.ofSeconds(20);
    final ZkTestServers zk;
    final String path;
    final List<ZkClient> clients = new ArrayList<>();
    final List<LeaderElection> elections = new ArrayList<>();

    Group(ZkTestServers zk, String path) {
        this.zk = zk;
        this.path = path;
    }

    /** Starts {@code n} participants p0..p(n-1), one after the other (so p0 leads first). */
    static Group start(ZkTestServers zk, String path, int n) {
        Group g = new Group(zk, path);
        for (int i = 0; i < n; i++) {
            g.add(b -> b);
        }
        return g;
    }

    LeaderElection add(UnaryOperator<LeaderElection.Builder> settings) {
        ZkClient client = zk.newClient();
        String id = "p" + elections.size();
        LeaderElection e = zk.closeAfterTest(settings.apply(LeaderElection.builder(client, path, id)).build());
        clients.add(client);
        elections.add(e);
        e.start();
        await().atMost(WAIT).until(() -> hasNode(client));
        return e;
    }

    ZkClient clientOf(LeaderElection e) {
        return clients.get(elections.indexOf(e));
    }

    /** Waits until exactly one participant leads and returns it. */
    LeaderElection awaitOneLeader() {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
                .until(() -> elections.stream().filter(LeaderElection::hasLeadership).count() == 1);
        return elections.stream().filter(LeaderElection::hasLeadership).findFirst().orElseThrow();
    }

    /** Whether {@code client}'s session owns a node of the election. */
    boolean hasNode(ZkClient client) throws KeeperException, InterruptedException {
        for (String name : nodes(client)) {
            org.apache.zookeeper.data.Stat stat = client.unwrap().exists(path + "/" + name, false);
            if (stat != null && stat.getEphemeralOwner() == client.sessionId()) {
                return true;
            }
        }
        return false;
    }

    List<String> nodes(ZkClient client) throws KeeperException, InterruptedException {
        try {
            return client.unwrap().getChildren(path, false);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    /** Samples every participant's belief in one thread, recording each change, until closed. */
    static final class Sampler implements AutoCloseable {
        final LeaderHistory history = new LeaderHistory();
        private final Thread thread;
        private volatile boolean stop;

        Sampler(List<LeaderElection> elections) {
            thread = new Thread(() -> {
                OptionalLong[] last = new OptionalLong[elections.size()];
                while (!stop) {
                    for (int i = 0; i < elections.size(); i++) {
                        OptionalLong epoch = elections.get(i).fencingToken();
                        if (!epoch.equals(last[i])) {
                            last[i] = epoch;
                            history.record(elections.get(i).id(), epoch.orElse(-1), epoch.isPresent());
                        }
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            }, "sampler");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
        }
    }
}
