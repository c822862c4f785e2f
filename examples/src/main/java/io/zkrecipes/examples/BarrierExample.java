package io.zkrecipes.examples;

import io.zkrecipes.barrier.DoubleBarrier;
import io.zkrecipes.core.ZkClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Barrier example: four workers, each in its own session and arriving at its own pace, start a
 * phase together ({@link DoubleBarrier#enter}) and finish it together ({@link DoubleBarrier#leave}).
 * In a second round one worker's process dies inside the phase; its member node goes with its
 * session, so the others still finish instead of waiting for it forever.
 *
 * <p>Run: {@code mvn -q -pl examples exec:java -Dexec.args="barrier [--connect host:port,...]"}.
 */
public final class BarrierExample {
    static final int WORKERS = 4;
    private static final String PATH = "/barriers/nightly-job";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private BarrierExample() {
    }

    /** Runs the example; exits with status 1 if a checked fact did not hold. */
    public static void main(String[] args) {
        Example.exit(run(args, System.out));
    }

    static boolean run(String[] args, PrintStream out) {
        return Example.run("barrier", BarrierExample::play, args, out);
    }

    /** When each worker arrived, started, finished its part and left, in nanoTime. */
    private record Times(long arrived, long started, long finished, long left) {
    }

    static void play(Stage stage) throws Exception {
        List<ZkClient> clients = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            clients.add(stage.client());
        }
        List<DoubleBarrier> barriers = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            barriers.add(DoubleBarrier.create(clients.get(i), PATH, WORKERS, "worker-" + (i + 1)));
        }
        try {
            stage.say("round 1", "%d workers; each starts the phase only when all have arrived", WORKERS);
            List<Times> times = round(stage, clients, barriers, -1);
            long lastArrival = times.stream().mapToLong(Times::arrived).max().orElseThrow();
            long firstStart = times.stream().mapToLong(Times::started).min().orElseThrow();
            long lastFinish = times.stream().mapToLong(Times::finished).max().orElseThrow();
            long firstLeave = times.stream().mapToLong(Times::left).min().orElseThrow();
            stage.check(times.size() == WORKERS && firstStart >= lastArrival,
                    "no worker started before the last one arrived");
            stage.check(times.size() == WORKERS && firstLeave >= lastFinish,
                    "no worker left before the last one finished its part");
            stage.say("round 2", "same barrier, same workers; worker-4's process dies inside the phase");
            List<Times> second = round(stage, clients, barriers, WORKERS - 1);
            stage.check(second.size() == WORKERS - 1, (WORKERS - 1) + " surviving workers left together"
                    + " although worker-4 died inside the phase");
        } finally {
            barriers.forEach(Stage::closeQuietly);
        }
    }

    /** One round; the worker at {@code dying} (if not -1) dies after entering. Returns the survivors' times. */
    private static List<Times> round(Stage stage, List<ZkClient> clients, List<DoubleBarrier> barriers, int dying)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(barriers.size());
        try {
            List<Future<Times>> results = new ArrayList<>();
            for (int i = 0; i < barriers.size(); i++) {
                int index = i;
                results.add(pool.submit(() -> work(stage, clients.get(index), barriers.get(index), index == dying)));
            }
            List<Times> times = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            for (Future<Times> f : results) {
                Times t = f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (t != null) {
                    times.add(t);
                }
            }
            return times;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Times work(Stage stage, ZkClient client, DoubleBarrier barrier, boolean dies) throws Exception {
        String who = barrier.memberId();
        int index = Integer.parseInt(who.substring("worker-".length())) - 1;
        Thread.sleep(150L * index); // workers come up at different speeds
        long arrived = System.nanoTime();
        stage.say(who, "arrived, waiting for the others");
        if (!barrier.enter(WAIT)) {
            stage.check(false, who + " entered within " + WAIT);
            return null;
        }
        long started = System.nanoTime();
        stage.say(who, "starts the phase (round %d)", barrier.round());
        if (dies) {
            stage.say(who, "dies in the middle of its part");
            stage.kill(client);
            return null;
        }
        Thread.sleep(100L * (WORKERS - index)); // each part takes its own time
        long finished = System.nanoTime();
        stage.say(who, "finished its part, waiting for the others to finish");
        if (!barrier.leave(WAIT)) {
            stage.check(false, who + " left within " + WAIT);
            return null;
        }
        stage.say(who, "leaves: everyone is done");
        return new Times(arrived, started, finished, System.nanoTime());
    }
}
