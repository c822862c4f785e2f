package io.zkrecipes.barrier;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Test members, one client (session) each, and the threads that drive them. */
final class Members implements AutoCloseable {
    final List<ZkClient> clients = new ArrayList<>();
    final List<DoubleBarrier> barriers = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    Members(ZkTestServers zk, String path, int parties, int count) {
        for (int i = 0; i < count; i++) {
            ZkClient client = zk.newClient();
            clients.add(client);
            barriers.add(DoubleBarrier.create(client, path, parties, String.format("m%02d", i)));
        }
    }

    DoubleBarrier get(int i) {
        return barriers.get(i);
    }

    interface Call {
        boolean run(DoubleBarrier barrier) throws Exception;
    }

    Future<Boolean> start(int i, Call call) {
        return threads.submit(() -> call.run(barriers.get(i)));
    }

    static Call enter(Duration timeout) {
        return b -> b.enter(timeout);
    }

    static Call leave(Duration timeout) {
        return b -> b.leave(timeout);
    }

    /** Member ids of the given round, read through {@code reader}. */
    static List<String> membersOf(ZkClient reader, String path, long round) throws Exception {
        try {
            return Rounds.members(reader.unwrap().getChildren(Rounds.roundPath(path, round), false));
        } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    @Override
    public void close() throws InterruptedException {
        barriers.forEach(DoubleBarrier::close);
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
    }
}
