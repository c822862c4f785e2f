package io.zkrecipes.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.HoldHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Sessions that take a lock in turn, each on its own client and thread, recorded in a history. */
final class ContentionRun {
    final HoldHistory history = new HoldHistory();
    final List<CompletableFuture<Void>> workers = new ArrayList<>();
    final int sessions;
    final int rounds;

    private ContentionRun(int sessions, int rounds) {
        this.sessions = sessions;
        this.rounds = rounds;
    }

    /** Starts the workers; {@link #check} waits for them. */
    static ContentionRun start(Supplier<ZkClient> clients, LockKind kind, String path, int sessions, int rounds) {
        ContentionRun run = new ContentionRun(sessions, rounds);
        for (int s = 0; s < sessions; s++) {
            DistributedLock lock = kind.create(clients.get(), path);
            String name = "session-" + s;
            run.workers.add(CompletableFuture.runAsync(() -> run.work(lock, name), Background.EXECUTOR));
        }
        return run;
    }

    static ContentionRun run(Supplier<ZkClient> clients, LockKind kind, String path, int sessions, int rounds) {
        return start(clients, kind, path, sessions, rounds);
    }

    private void work(DistributedLock lock, String name) {
        try {
            for (int i = 0; i < rounds; i++) {
                try (Lease lease = lock.acquire(LockFixture.WAIT).orElseThrow()) {
                    history.acquired(name, lease.fencingToken());
                    Thread.yield();
                    history.releasing(name);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits for every worker, then checks the safety properties of the history. */
    void check(LockKind kind) throws Exception {
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);
        assertEquals((long) sessions * rounds, history.grants());
        history.assertMaxConcurrent(kind.limit());
        if (kind.limit() == 1) {
            history.assertTokensIncrease();
        }
        // that a semaphore lets N hold at once is shown deterministically in CountingSemaphoreTest
    }
}
