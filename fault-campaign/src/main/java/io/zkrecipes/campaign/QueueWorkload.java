package io.zkrecipes.campaign;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.queue.DistributedQueue;
import io.zkrecipes.queue.Serializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Every worker produces and consumes on one shared {@link DistributedQueue}, through one queue
 * instance: a producer thread puts unique items ({@code <worker>-<sequence>}), one at a time with
 * {@code put} or in bursts with {@code putAsync}; the workload's own thread consumes with
 * {@code take}, {@code poll} and {@code processNext} (whose handler fails on purpose now and then,
 * so that items go back and are processed again). A producer waits while its worker has put more
 * than {@value #MAX_BACKLOG} items it has not consumed, so the queue does not grow for the whole run
 * on a machine where consuming is slower than producing. Small buckets make producers and consumers move
 * from bucket to bucket under the faults. Once the run settles the producer stops and the consumer
 * polls until the queue is empty; after the workers stopped, the campaign drains what is left
 * ({@link #afterRun}), so that an item never taken is lost, not merely late.
 *
 * <p>Operations: {@code put} and {@code put-async} (input: the item; ok once applied; unknown when
 * the call failed, as its outcome is then unknown), {@code take} and {@code poll} (ok: the item,
 * empty for a poll that found none), {@code handle} (input: the item; one processing attempt: ok,
 * or failed when the handler threw on purpose), {@code process} (ok: the outcome and the item, as
 * {@code COMPLETED w1-7}, or {@code EMPTY}; unknown: the item handled, or {@code -}, and the error).
 */
final class QueueWorkload implements Workload {
    static final String NAME = "queue";
    static final String PATH = "/campaign/queue";
    static final String NO_ITEM = "-";

    private static final int BUCKET_CAPACITY = 40;
    private static final Duration WAIT = Duration.ofMillis(500);
    /** The drain after the run gives up after this long without an item (a claim lasts a session at most). */
    private static final Duration DRAIN_IDLE_LIMIT = Duration.ofSeconds(20);
    /** Items a worker may have put and not consumed itself before its producer waits. */
    private static final int MAX_BACKLOG = 60;
    /** Share of processing attempts whose handler throws, so that failed attempts are retried. */
    private static final double HANDLER_FAILURES = 0.1;
    /** Share of processing attempts that take long, so that a pause or a cut may fall while a claim is held. */
    private static final double SLOW_HANDLERS = 0.15;

    /** Survives a restart of {@link #run}: an item id is never used twice. */
    private final AtomicLong sequence = new AtomicLong();
    /**
     * Items this worker put less those it consumed. The producer waits while it is high, so that
     * production never outruns consumption for long: a backlog that grew for the whole run could
     * not be drained once the run settles.
     */
    private final AtomicLong backlog = new AtomicLong();

    @Override
    public void run(Context ctx) throws InterruptedException {
        DistributedQueue<String> queue = open(ctx.client());
        Thread producer = new Thread(() -> produce(ctx, queue), ctx.worker() + "-queue-producer");
        producer.start();
        try {
            consume(ctx, queue);
        } finally {
            producer.interrupt();
            try {
                producer.join(TimeUnit.SECONDS.toMillis(10));
            } finally {
                queue.close();
            }
        }
    }

    /** Polls until the queue is empty, claimed items included, or no item came for a while. */
    @Override
    public void afterRun(ZkClient client, HistoryWriter history) throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN_IDLE_LIMIT.toNanos();
        try (DistributedQueue<String> queue = open(client)) {
            while (System.nanoTime() - deadline < 0) {
                Polled polled = poll(history, queue);
                if (polled == Polled.ITEM) {
                    deadline = System.nanoTime() + DRAIN_IDLE_LIMIT.toNanos();
                } else if (polled == Polled.EMPTY && isEmpty(queue)) {
                    return; // after a failed poll the instance may hold an item its take removed: poll again
                }
            }
        }
    }

    /** Whether nothing is left, not even an item claimed by a worker whose session has not ended yet. */
    private static boolean isEmpty(DistributedQueue<String> queue) throws InterruptedException {
        try {
            return queue.size() == 0;
        } catch (ZkRecipeException e) {
            return false;
        }
    }

    private static DistributedQueue<String> open(ZkClient client) {
        return DistributedQueue.builder(client, PATH, Serializer.utf8()).bucketCapacity(BUCKET_CAPACITY).build();
    }

    // ---- producing -------------------------------------------------------------------------------

    private void produce(Context ctx, DistributedQueue<String> queue) {
        try {
            while (ctx.isRunning() && !ctx.isSettling()) {
                if (backlog.get() > MAX_BACKLOG) {
                    Thread.sleep(50);
                    continue;
                }
                if (ctx.random().nextBoolean()) {
                    putOne(ctx, queue);
                } else {
                    putBurst(ctx, queue, 2 + ctx.random().nextInt(5));
                }
                ctx.pause(50, 250);
            }
        } catch (InterruptedException e) {
            // stopping
        }
    }

    private String nextItem(Context ctx) {
        backlog.incrementAndGet();
        return ctx.worker() + "-" + sequence.incrementAndGet();
    }

    private void putOne(Context ctx, DistributedQueue<String> queue) throws InterruptedException {
        String item = nextItem(ctx);
        long id = ctx.history().invoke(NAME, "put", item);
        try {
            queue.put(item);
            ctx.history().ok(id, NAME, "put", item);
        } catch (ZkRecipeException | IllegalStateException e) {
            ctx.history().unknown(id, NAME, "put", e.getMessage());
            ctx.pause(100, 300);
        } catch (InterruptedException e) {
            ctx.history().unknown(id, NAME, "put", "interrupted");
            throw e;
        }
    }

    /** Puts {@code count} items without waiting for each, then waits for all of them. */
    private void putBurst(Context ctx, DistributedQueue<String> queue, int count) throws InterruptedException {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String item = nextItem(ctx);
            long id = ctx.history().invoke(NAME, "put-async", item);
            try {
                sent.add(queue.putAsync(item).whenComplete((done, failure) -> {
                    if (failure == null) {
                        ctx.history().ok(id, NAME, "put-async", item);
                    } else {
                        ctx.history().unknown(id, NAME, "put-async", failure.getMessage());
                    }
                }));
            } catch (IllegalStateException closed) {
                ctx.history().unknown(id, NAME, "put-async", closed.getMessage());
            }
        }
        for (CompletableFuture<Void> put : sent) {
            try {
                put.get();
            } catch (ExecutionException recordedByItsCallback) {
                ctx.pause(100, 300);
            }
        }
    }

    // ---- consuming -------------------------------------------------------------------------------

    private void consume(Context ctx, DistributedQueue<String> queue) throws InterruptedException {
        boolean drained = false;
        while (ctx.isRunning()) {
            if (ctx.isSettling()) {
                // the producers have stopped: empty the queue once, then leave it be
                drained = drained || poll(ctx.history(), queue) == Polled.EMPTY;
                if (drained) {
                    Thread.sleep(200);
                }
                continue;
            }
            int draw = ctx.random().nextInt(10);
            boolean consumed;
            if (draw < 3) {
                consumed = take(ctx, queue);
            } else if (draw < 6) {
                consumed = poll(ctx.history(), queue) == Polled.ITEM;
            } else {
                consumed = process(ctx, queue);
            }
            if (consumed) {
                backlog.decrementAndGet();
            }
            ctx.pause(10, 80);
        }
    }

    /** A take, recorded; whether it returned an item. */
    private static boolean take(Context ctx, DistributedQueue<String> queue) throws InterruptedException {
        long id = ctx.history().invoke(NAME, "take", "");
        try {
            ctx.history().ok(id, NAME, "take", queue.take());
            return true;
        } catch (ZkRecipeException | IllegalStateException e) {
            ctx.history().unknown(id, NAME, "take", e.getMessage());
            ctx.pause(100, 300);
            return false;
        } catch (InterruptedException e) {
            ctx.history().unknown(id, NAME, "take", "interrupted");
            throw e;
        }
    }

    /** What a poll found. */
    private enum Polled {
        ITEM,
        EMPTY,
        /** No answer: a take it sent may have removed an item, which the instance's next call returns. */
        FAILED
    }

    /** A poll, recorded. */
    private static Polled poll(HistoryWriter history, DistributedQueue<String> queue) throws InterruptedException {
        long id = history.invoke(NAME, "poll", "");
        try {
            Optional<String> item = queue.poll(WAIT);
            history.ok(id, NAME, "poll", item.orElse(""));
            return item.isPresent() ? Polled.ITEM : Polled.EMPTY;
        } catch (ZkRecipeException | IllegalStateException e) {
            history.unknown(id, NAME, "poll", e.getMessage());
            Thread.sleep(200);
            return Polled.FAILED;
        } catch (InterruptedException e) {
            history.unknown(id, NAME, "poll", "interrupted");
            throw e;
        }
    }

    /** A processNext, recorded; whether it completed (or dead-lettered) an item. */
    private static boolean process(Context ctx, DistributedQueue<String> queue) throws InterruptedException {
        long id = ctx.history().invoke(NAME, "process", "");
        String[] handled = {NO_ITEM};
        try {
            DistributedQueue.Outcome outcome = queue.processNext(WAIT, item -> {
                handled[0] = item;
                handle(ctx, item);
            });
            ctx.history().ok(id, NAME, "process",
                    outcome == DistributedQueue.Outcome.EMPTY ? outcome.name() : outcome + " " + handled[0]);
            return outcome == DistributedQueue.Outcome.COMPLETED || outcome == DistributedQueue.Outcome.DEAD_LETTERED;
        } catch (ZkRecipeException | IllegalStateException e) {
            ctx.history().unknown(id, NAME, "process", handled[0] + " " + e.getMessage());
            ctx.pause(100, 300);
            return false;
        } catch (InterruptedException e) {
            ctx.history().unknown(id, NAME, "process", handled[0] + " interrupted");
            throw e;
        }
    }

    /** One processing attempt: a little work (now and then a lot), and now and then a failure. */
    private static void handle(Context ctx, String item) {
        long id = ctx.history().invoke(NAME, "handle", item);
        int millis = ctx.random().nextDouble() < SLOW_HANDLERS ? 200 + ctx.random().nextInt(800)
                : 5 + ctx.random().nextInt(30);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis)); // an interrupt ends it early, and stays set
        if (ctx.random().nextDouble() < HANDLER_FAILURES) {
            ctx.history().fail(id, NAME, "handle", "failed on purpose");
            throw new HandlerFailure(item);
        }
        ctx.history().ok(id, NAME, "handle", item);
    }

    /** The handler's deliberate failure: processNext counts it and puts the item back. */
    private static final class HandlerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerFailure(String item) {
            super("processing of " + item + " failed on purpose", null, false, false);
        }
    }
}
