package io.zkrecipes.core;

import io.zkrecipes.core.internal.SerialExecutor;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers connection states to listeners in order, off ZooKeeper's event thread: states are
 * queued on one client-owned thread, which hands each listener its state on the listener's own
 * serial executor.
 */
final class StateDispatcher {
    private static final Logger log = LoggerFactory.getLogger(StateDispatcher.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private record Registration(ConnectionStateListener listener, Executor executor) {
    }

    private final ZkClient client;
    private final ExecutorService thread;
    private final CopyOnWriteArrayList<Registration> registrations = new CopyOnWriteArrayList<>();

    StateDispatcher(ZkClient client) {
        this.client = client;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "zk-recipes-events-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void add(ConnectionStateListener listener, Executor executor) {
        Objects.requireNonNull(listener, "listener");
        Executor target = executor == null ? Runnable::run : new SerialExecutor(executor);
        registrations.add(new Registration(listener, target));
    }

    void remove(ConnectionStateListener listener) {
        registrations.removeIf(r -> r.listener == listener);
    }

    void publish(ConnectionState state) {
        thread.execute(() -> {
            for (Registration r : registrations) {
                try {
                    r.executor.execute(() -> deliver(r.listener, state));
                } catch (RejectedExecutionException e) {
                    log.warn("Executor of listener {} refused state {}", r.listener, state);
                }
            }
        });
    }

    /** Delivers {@link ConnectionState#CLOSED} last, then lets the thread end. */
    void closeAfter(ConnectionState last) {
        publish(last);
        thread.shutdown();
    }

    private void deliver(ConnectionStateListener listener, ConnectionState state) {
        try {
            listener.stateChanged(client, state);
        } catch (RuntimeException e) {
            log.warn("Connection state listener {} failed on {}", listener, state, e);
        }
    }
}
