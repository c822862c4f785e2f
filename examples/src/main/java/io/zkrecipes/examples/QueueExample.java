package io.zkrecipes.examples;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.queue.DistributedQueue.Outcome;
import io.zkrecipes.queue.DistributedQueue;
import io.zkrecipes.queue.Serializer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Queue example: two producers put jobs, three consumers, each in its own session, process them
 * under a claim. One consumer's process dies in the middle of a job: its claim goes with its
 * session, another consumer processes the job, and in the end every job has been processed.
 *
 * <p>Run: {@code mvn -q -pl examples exec:java -Dexec.args="queue [--connect host:port,...]"}.
 */
public final class QueueExample {
    static final int PRODUCERS = 2;
    static final int JOBS_EACH = 15;
    private static final int CONSUMERS = 3;
    private static final int VICTIM = CONSUMERS - 1;
    private static final int VICTIM_DIES_ON = 3;
    private static final String PATH = "/queues/jobs";
    private static final Duration WAIT = Duration.ofSeconds(45);

    private QueueExample() {
    }

    /** Runs the example; exits with status 1 if a checked fact did not hold. */
    public static void main(String[] args) {
        Example.exit(run(args, System.out));
    }

    static boolean run(String[] args, PrintStream out) {
        return Example.run("queue", QueueExample::play, args, out);
    }

    static void play(Stage stage) throws Exception {
        int total = PRODUCERS * JOBS_EACH;
        Map<String, String> doneBy = new ConcurrentHashMap<>();
        String[] orphan = new String[1];
        ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + CONSUMERS);
        List<DistributedQueue<String>> queues = new ArrayList<>();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int p = 1; p <= PRODUCERS; p++) {
                DistributedQueue<String> q = queue(stage, queues);
                String producer = "producer-" + p;
                running.add(pool.submit(() -> produce(stage, q, producer)));
            }
            for (int c = 0; c < CONSUMERS; c++) {
                ZkClient client = stage.client();
                DistributedQueue<String> q = queue(client, queues);
                Consumer consumer = new Consumer(stage, "consumer-" + (c + 1), client, q, doneBy, total);
                running.add(pool.submit(c == VICTIM ? () -> consumer.dieMidJob(orphan) : consumer::consume));
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            for (Future<?> f : running) {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } finally {
            pool.shutdownNow();
            queues.forEach(Stage::closeQuietly);
        }
        stage.check(doneBy.size() == total, doneBy.size() + " of " + total + " jobs processed: every item processed");
        stage.check(orphan[0] != null && doneBy.containsKey(orphan[0]), "the job the dead consumer held ("
                + orphan[0] + ") was processed by " + doneBy.get(orphan[0]));
    }

    private static DistributedQueue<String> queue(Stage stage, List<DistributedQueue<String>> queues) throws Exception {
        return queue(stage.client(), queues);
    }

    private static DistributedQueue<String> queue(ZkClient client, List<DistributedQueue<String>> queues)
            throws InterruptedException {
        DistributedQueue<String> q = DistributedQueue.builder(client, PATH, Serializer.utf8()).build();
        queues.add(q);
        return q;
    }

    private static Void produce(Stage stage, DistributedQueue<String> q, String producer) throws Exception {
        for (int i = 1; i <= JOBS_EACH; i++) {
            q.put(producer + "/job-" + i);
        }
        stage.say(producer, "put %d jobs", JOBS_EACH);
        return null;
    }

    /** One consuming process. */
    private record Consumer(Stage stage, String name, ZkClient client, DistributedQueue<String> q,
                            Map<String, String> doneBy, int total) {

        Void consume() throws Exception {
            while (doneBy.size() < total) {
                String[] job = new String[1];
                Outcome outcome = q.processNext(Duration.ofMillis(200), item -> {
                    job[0] = item;
                    work();
                });
                if (outcome == Outcome.COMPLETED) {
                    doneBy.put(job[0], name);
                    stage.say(name, "processed %s", job[0]);
                }
            }
            return null;
        }

        /** Processes a few jobs, then dies (its client closes) in the middle of the next one. */
        Void dieMidJob(String[] orphan) throws Exception {
            for (int n = 1; n <= VICTIM_DIES_ON; n++) {
                String[] job = new String[1];
                boolean last = n == VICTIM_DIES_ON;
                Outcome outcome;
                try {
                    outcome = q.processNext(Duration.ofSeconds(10), item -> {
                        job[0] = item;
                        if (last) {
                            orphan[0] = item;
                            stage.say(name, "claims %s and dies in the middle of it", item);
                            stage.kill(client);
                        } else {
                            work();
                        }
                    });
                } catch (RuntimeException e) {
                    outcome = Outcome.CLAIM_LOST; // the queue noticed its client was closed
                }
                if (last) {
                    stage.say(name, "is dead (%s); its claim on %s vanished with its session", outcome, orphan[0]);
                }
                if (outcome == Outcome.COMPLETED) {
                    doneBy.put(job[0], name);
                    stage.say(name, "processed %s", job[0]);
                }
            }
            return null;
        }

        private static void work() {
            try {
                Thread.sleep(20); // the job itself
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
