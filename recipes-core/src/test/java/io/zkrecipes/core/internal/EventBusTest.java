package io.zkrecipes.core.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zkrecipes.core.RecipeEvents;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventBusTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final EventBus bus = new EventBus();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void everyEvent_reachesTheListener() throws Exception {
        Set<String> seen = new TreeSet<>();
        RecipeEvents recorder = (RecipeEvents) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RecipeEvents.class}, (proxy, method, args) -> {
                    seen.add(method.getName());
                    return null;
                });
        bus.add(recorder, Runnable::run);
        Set<String> all = new TreeSet<>();
        for (Method m : RecipeEvents.class.getDeclaredMethods()) {
            if (!m.getName().equals("stateChanged")) { // the state bus delivers states
                all.add(m.getName());
                m.invoke(bus, Arrays.stream(m.getParameterTypes()).map(EventBusTest::sample).toArray());
            }
        }
        assertEquals(all, seen, "an event the bus does not forward would be dropped without a word");
    }

    @Test
    void slowListener_delaysNeitherTheReporterNorOtherListeners() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<String> fast = new LinkedBlockingQueue<>();
        bus.add(new RecipeEvents() {
            @Override
            public void queueTaken(String path) {
                awaitQuietly(release);
            }
        }, new SerialExecutor(pool));
        bus.add(new RecipeEvents() {
            @Override
            public void queueTaken(String path) {
                fast.add(path);
            }
        }, new SerialExecutor(pool));
        bus.queueTaken("/q1"); // returns although the slow listener blocks on it
        bus.queueTaken("/q2");
        assertEquals("/q1", fast.poll(10, TimeUnit.SECONDS));
        assertEquals("/q2", fast.poll(10, TimeUnit.SECONDS));
        assertEquals(1, release.getCount(), "the slow listener was still blocked meanwhile");
        release.countDown();
    }

    @Test
    void throwingListener_getsTheNextEvents_inOrder() throws Exception {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        bus.add(new RecipeEvents() {
            @Override
            public void queuePut(String path, int items) {
                got.add(path);
                if (items == 1) {
                    throw new IllegalStateException("listener bug");
                }
            }
        }, new SerialExecutor(pool));
        bus.queuePut("/a", 1);
        bus.queuePut("/b", 2);
        bus.queuePut("/c", 3);
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            order.add(got.poll(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of("/a", "/b", "/c"), order);
    }

    @Test
    void listenerRemoved_isToldNothingMore() {
        List<String> got = new ArrayList<>();
        RecipeEvents listener = new RecipeEvents() {
            @Override
            public void leadershipGained(String path) {
                got.add(path);
            }
        };
        bus.add(listener, Runnable::run);
        bus.leadershipGained("/e1");
        bus.remove(listener);
        bus.leadershipGained("/e2");
        assertEquals(List.of("/e1"), got);
    }

    @Test
    void closedLane_dropsEventsWithoutFailingTheReporter() {
        ExecutorService gone = Executors.newSingleThreadExecutor();
        gone.shutdown();
        bus.add(new RecipeEvents() { }, new SerialExecutor(gone));
        assertDoesNotThrow(() -> bus.lockAcquired("/l", Duration.ZERO), "reporting must never fail a recipe");
    }

    private static Object sample(Class<?> type) {
        if (type == String.class) {
            return "/p";
        } else if (type == Duration.class) {
            return Duration.ofMillis(1);
        } else if (type == Optional.class) {
            return Optional.of("id");
        } else if (type == int.class) {
            return 1;
        } else if (type == long.class) {
            return 1L;
        } else if (type == KeeperException.Code.class) {
            return KeeperException.Code.CONNECTIONLOSS;
        }
        throw new AssertionError("no sample for " + type);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
