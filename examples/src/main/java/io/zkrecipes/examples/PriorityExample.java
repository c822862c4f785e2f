package io.zkrecipes.examples;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.queue.DistributedDelayQueue;
import io.zkrecipes.queue.DistributedPriorityQueue;
import io.zkrecipes.queue.DistributedQueue.Outcome;
import io.zkrecipes.queue.Serializer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Priority example: a worker is busy with a backlog of bulk jobs when an urgent one arrives; it is
 * the next job the worker starts, ahead of the bulk jobs still waiting. Another worker dies while it
 * holds a claim on an urgent job, which the first worker processes. Beside it, a delay queue holds
 * a retry that must not run for two seconds: it runs no sooner, while a job due at once runs at once.
 *
 * <p>Run: {@code mvn -q -pl examples exec:java -Dexec.args="priority [--connect host:port,...]"}.
 */
public final class PriorityExample {
    private static final String JOBS = "/queues/prioritised";
    private static final String RETRIES = "/queues/retries";
    private static final int BULK = 20;
    private static final int BULK_PRIORITY = 10;
    private static final int URGENT_PRIORITY = 0;
    private static final Duration RETRY_DELAY = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private PriorityExample() {
    }

    /** Runs the example; exits with status 1 if a checked fact did not hold. */
    public static void main(String[] args) {
        Example.exit(run(args, System.out));
    }

    static boolean run(String[] args, PrintStream out) {
        return Example.run("priority", PriorityExample::play, args, out);
    }

    static void play(Stage stage) throws Exception {
        priorities(stage);
        delays(stage);
    }

    private static void priorities(Stage stage) throws Exception {
        ZkClient doomedClient = stage.client();
        try (DistributedPriorityQueue<String> producer = queue(stage.client());
                DistributedPriorityQueue<String> worker = queue(stage.client());
                DistributedPriorityQueue<String> doomed = queue(doomedClient)) {
            for (int i = 1; i <= BULK; i++) {
                producer.putAsync("bulk-" + i, BULK_PRIORITY);
            }
            producer.put("urgent-1", URGENT_PRIORITY);
            stage.say("producer", "put %d bulk jobs (priority %d) and urgent-1 (priority %d)", BULK, BULK_PRIORITY,
                    URGENT_PRIORITY);
            CompletableFuture<Void> claimed = new CompletableFuture<>();
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Object> dying = pool.submit(() -> {
                    try {
                        return doomed.processNext(WAIT, job -> {
                            stage.say("worker-2", "claims %s and dies in the middle of it", job);
                            claimed.complete(null);
                            stage.kill(doomedClient);
                        });
                    } catch (IllegalStateException clientClosed) {
                        return clientClosed.getMessage(); // the queue noticed its client was closed
                    }
                });
                claimed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                stage.say("worker-2", "is dead (%s); its claim went with its session",
                        dying.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            } finally {
                pool.shutdownNow();
            }
            List<String> done = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                processOne(stage, worker, done);
            }
            producer.put("urgent-2", URGENT_PRIORITY);
            stage.say("producer", "put urgent-2 while %d bulk jobs wait", producer.sizeByPriority().get(BULK_PRIORITY));
            // the worker learns of the urgent job through its watch: the job it had started may come first
            while (!done.contains("urgent-2") && done.size() < BULK + 2) {
                processOne(stage, worker, done);
            }
            int after = done.indexOf("urgent-2") - 5;
            stage.check(done.get(0).equals("urgent-1"), "the urgent job the dead worker held was processed first, by"
                    + " worker-1: " + done.get(0));
            stage.check(after >= 0 && after <= 1, "urgent-2 was the next job started (" + after + " bulk jobs"
                    + " between), ahead of the bulk jobs still waiting");
            while (processOne(stage, worker, done)) {
                // the rest of the backlog
            }
            stage.check(done.size() == BULK + 2 && done.stream().distinct().count() == BULK + 2,
                    done.size() + " of " + (BULK + 2) + " jobs processed, each once");
        }
    }

    private static boolean processOne(Stage stage, DistributedPriorityQueue<String> worker, List<String> done)
            throws InterruptedException {
        Outcome outcome = worker.processNext(Duration.ofMillis(500), job -> {
            done.add(job);
            stage.say("worker-1", "processed %s", job);
        });
        return outcome == Outcome.COMPLETED;
    }

    private static void delays(Stage stage) throws Exception {
        try (DistributedDelayQueue<String> producer = DistributedDelayQueue.builder(stage.client(), RETRIES,
                Serializer.utf8()).resolution(Duration.ofMillis(100)).build();
                DistributedDelayQueue<String> worker = DistributedDelayQueue.builder(stage.client(), RETRIES,
                        Serializer.utf8()).resolution(Duration.ofMillis(100)).build()) {
            long start = System.nanoTime();
            producer.put("retry charge 42", RETRY_DELAY);
            producer.put("send receipt 41", Duration.ZERO);
            stage.say("producer", "put 'retry charge 42' due in %d s and 'send receipt 41' due now",
                    RETRY_DELAY.toSeconds());
            String first = worker.take();
            double firstAt = (System.nanoTime() - start) / 1e9;
            stage.say("worker-3", "took %s", first);
            String second = worker.take();
            double secondAt = (System.nanoTime() - start) / 1e9;
            stage.say("worker-3", "took %s", second);
            stage.check(first.equals("send receipt 41"), "the job due now ran first, after " + seconds(firstAt));
            stage.check(second.equals("retry charge 42") && secondAt >= RETRY_DELAY.toMillis() / 1e3,
                    "the retry ran no sooner than its delay: " + seconds(secondAt) + " after it was put");
        }
    }

    private static String seconds(double s) {
        return String.format(java.util.Locale.ROOT, "%.2f s", s);
    }

    private static DistributedPriorityQueue<String> queue(ZkClient client) {
        return DistributedPriorityQueue.builder(client, JOBS, Serializer.utf8()).build();
    }
}
