package io.zkrecipes.lock;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads for work that must finish even when the caller is interrupted or gives up. */
final class Background {
    private static final AtomicInteger THREADS = new AtomicInteger();
    static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "zk-recipes-lock-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private Background() {
    }
}
