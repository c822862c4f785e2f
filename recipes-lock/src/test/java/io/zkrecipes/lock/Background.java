package io.zkrecipes.lock;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Daemon threads for the tests' own workers (each a stand-in for a thread of some process). */
final class Background {
    static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lock-test-worker");
        t.setDaemon(true);
        return t;
    });

    private Background() {
    }
}
