package io.zkrecipes.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SerialExecutorTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final SerialExecutor lane = new SerialExecutor(pool);
    private final List<String> ran = new CopyOnWriteArrayList<>();
    private final CountDownLatch threeRan = new CountDownLatch(3);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void executeHereIfIdle_onAnIdleLane_runsOnTheCallingThread() {
        Thread caller = Thread.currentThread();
        List<Thread> on = new CopyOnWriteArrayList<>();
        lane.executeHereIfIdle(() -> on.add(Thread.currentThread()));
        assertEquals(List.of(caller), on, "ran before returning, on the caller");
    }

    @Test
    void executeHereIfIdle_onABusyLane_queuesBehindWhatIsRunning() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        lane.execute(() -> {
            started.countDown();
            awaitQuietly(release);
            record("first");
        });
        started.await();
        Thread caller = Thread.currentThread();
        List<Thread> on = new CopyOnWriteArrayList<>();
        lane.executeHereIfIdle(() -> {
            on.add(Thread.currentThread());
            record("second");
        });
        lane.execute(() -> record("third"));
        assertEquals(List.of(), ran, "nothing overtakes the running task");
        release.countDown();
        assertTrue(threeRan.await(10, TimeUnit.SECONDS), "ran: " + ran);
        assertEquals(List.of("first", "second", "third"), ran);
        assertNotSame(caller, on.get(0), "queued: run on the pool");
    }

    @Test
    void tasksQueuedDuringARunHere_followItOnThePool() throws Exception {
        Thread caller = Thread.currentThread();
        List<Thread> on = new CopyOnWriteArrayList<>();
        lane.executeHereIfIdle(() -> {
            lane.execute(() -> {
                on.add(Thread.currentThread());
                record("queued");
            });
            lane.executeHereIfIdle(() -> record("queued here"));
            record("here");
        });
        assertTrue(threeRan.await(10, TimeUnit.SECONDS), "ran: " + ran);
        assertEquals(List.of("here", "queued", "queued here"), ran, "in submission order, one at a time");
        assertNotSame(caller, on.get(0), "handed to the pool, not run on the caller after the task");
    }

    @Test
    void aTaskThatThrows_doesNotStopTheLane() {
        lane.executeHereIfIdle(() -> {
            throw new IllegalStateException("a failing callback");
        });
        lane.executeHereIfIdle(() -> record("after"));
        assertEquals(List.of("after"), ran);
    }

    private void record(String task) {
        ran.add(task);
        threeRan.countDown();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
