package io.zkrecipes.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A fire wakes one waiting thread, a fire-all every thread waiting, and neither is lost. */
@Timeout(30)
class WaitTest {
    private static final Duration SHORT = Duration.ofMillis(100);

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void aFireBeforeTheWait_isNotLost_andIsTakenOnce() throws Exception {
        try (Wait wait = Session.of(zk.newClient()).newWait()) {
            wait.fire();
            assertTrue(wait.await(Deadline.after(SHORT)));
            assertFalse(wait.await(Deadline.after(SHORT)), "taken by the first await");
        }
    }

    @Test
    void fireAll_wakesEveryThreadWaitingNow() throws Exception {
        try (Wait wait = Session.of(zk.newClient()).newWait()) {
            List<CompletableFuture<Boolean>> woken = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                CompletableFuture<Boolean> result = new CompletableFuture<>();
                long seen = wait.firedAll();
                Thread t = new Thread(() -> {
                    try {
                        result.complete(wait.await(Deadline.after(Duration.ofSeconds(20)), seen));
                    } catch (Throwable e) {
                        result.completeExceptionally(e);
                    }
                });
                t.start();
                woken.add(result);
                threads.add(t);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> threads.stream()
                    .allMatch(t -> t.getState() == Thread.State.TIMED_WAITING));
            wait.fireAll();
            for (CompletableFuture<Boolean> result : woken) {
                assertTrue(result.get(10, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void fireAll_announcedAfterTheCountWasRead_isNotLost_andLeavesAPendingFireToAnotherThread() throws Exception {
        try (Wait wait = Session.of(zk.newClient()).newWait()) {
            long seen = wait.firedAll();
            wait.fireAll();
            wait.fire();
            assertTrue(wait.await(Deadline.after(SHORT), seen), "the fire-all came after the count was read");
            assertTrue(wait.await(Deadline.after(SHORT)), "the fire is still there for a plain wait");
        }
    }

    @Test
    void fireAll_beforeTheCountWasRead_orForAPlainWait_wakesNothing() throws Exception {
        try (Wait wait = Session.of(zk.newClient()).newWait()) {
            wait.fireAll();
            assertFalse(wait.await(Deadline.after(SHORT), wait.firedAll()));
            assertFalse(wait.await(Deadline.after(SHORT)));
        }
    }
}
