package io.zkrecipes.examples;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.partition.PartitionListener;
import io.zkrecipes.partition.Partitioner;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Partition example: four workers share sixteen shards. Each shard has one owner at a time, with a
 * fencing token the owner would hand to the store it writes to. One worker's process dies: its
 * shards move to the other three, released by nobody (its session took its nodes along) and taken
 * with larger tokens. Every owner prints what it holds.
 *
 * <p>Run: {@code mvn -q -pl examples exec:java -Dexec.args="partition [--connect host:port,...]"}.
 */
public final class PartitionExample {
    private static final String PATH = "/jobs/shards";
    private static final int SHARDS = 16;
    private static final int WORKERS = 4;
    private static final String DOOMED = "worker-2";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private PartitionExample() {
    }

    /** Runs the example; exits with status 1 if a checked fact did not hold. */
    public static void main(String[] args) {
        Example.exit(run(args, System.out));
    }

    static boolean run(String[] args, PrintStream out) {
        return Example.run("partition", PartitionExample::play, args, out);
    }

    /** What the workers' callbacks said: shard to its current owner, and every token given per shard. */
    private static final class Board {
        final Map<String, String> owners = new TreeMap<>();
        final Map<String, List<Long>> tokens = new HashMap<>();
        boolean twice;

        synchronized void assigned(Stage stage, String worker, String shard, long token) {
            twice |= owners.containsKey(shard);
            owners.put(shard, worker);
            tokens.computeIfAbsent(shard, s -> new ArrayList<>()).add(token);
            stage.say(worker, "owns shard %s with token %d", shard, token);
        }

        synchronized void revoked(Stage stage, String worker, String shard) {
            owners.remove(shard, worker);
            stage.say(worker, "gives up shard %s", shard);
        }

        synchronized void died(String worker) {
            owners.values().removeIf(worker::equals);
        }

        synchronized boolean tokensGrow() {
            for (List<Long> given : tokens.values()) {
                for (int i = 1; i < given.size(); i++) {
                    if (given.get(i) <= given.get(i - 1)) {
                        return false;
                    }
                }
            }
            return true;
        }

        synchronized Map<String, String> owners() {
            return new TreeMap<>(owners);
        }
    }

    static void play(Stage stage) throws Exception {
        Board board = new Board();
        Map<String, Partitioner> workers = new TreeMap<>();
        Map<String, ZkClient> clients = new HashMap<>();
        try {
            for (int i = 1; i <= WORKERS; i++) {
                String name = "worker-" + i;
                ZkClient client = stage.client();
                clients.put(name, client);
                Partitioner worker = Partitioner.create(client, PATH, name, SHARDS, listener(stage, board, name));
                workers.put(name, worker);
                worker.start();
            }
            checkSettled(stage, board, workers, "all 4 workers");
            stage.say(DOOMED, "its process dies (client closed): its shards are free once its session ends");
            board.died(DOOMED);
            stage.kill(clients.get(DOOMED));
            workers.remove(DOOMED);
            checkSettled(stage, board, workers, "the 3 surviving workers");
            stage.check(board.owners().values().stream().noneMatch(DOOMED::equals),
                    "none of " + DOOMED + "'s shards stayed with it");
            stage.check(board.tokensGrow(), "every shard's new owner got a larger token than the one before");
            stage.check(!board.twice, "no shard was ever assigned while another worker held it");
            for (Map.Entry<String, Partitioner> w : workers.entrySet()) {
                stage.say(w.getKey(), "holds %s", w.getValue().owned());
            }
        } finally {
            workers.values().forEach(Stage::closeQuietly);
        }
    }

    private static PartitionListener listener(Stage stage, Board board, String worker) {
        return new PartitionListener() {
            @Override
            public void assigned(String shard, long token) {
                board.assigned(stage, worker, shard, token);
            }

            @Override
            public void revoked(String shard) {
                board.revoked(stage, worker, shard);
            }
        };
    }

    private static void checkSettled(Stage stage, Board board, Map<String, Partitioner> workers, String who)
            throws InterruptedException {
        boolean settled = Stage.await(() -> isSettled(board, workers), WAIT);
        Map<String, Integer> loads = new TreeMap<>();
        workers.forEach((name, w) -> loads.put(name, w.owned().size()));
        int min = loads.values().stream().min(Integer::compare).orElse(0);
        int max = loads.values().stream().max(Integer::compare).orElse(0);
        stage.check(settled && board.owners().size() == SHARDS,
                "all " + SHARDS + " shards owned, each by one of " + who);
        stage.check(settled && max - min <= 1, "balanced: shards per worker " + loads);
    }

    /** Whether every worker holds its share and the callbacks agree; asks without waiting. */
    private static boolean isSettled(Board board, Map<String, Partitioner> workers) {
        int owned = 0;
        try {
            for (Partitioner w : workers.values()) {
                if (!w.awaitBalanced(Duration.ZERO)) {
                    return false;
                }
                owned += w.owned().size();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return owned == SHARDS && board.owners().size() == SHARDS;
    }
}
