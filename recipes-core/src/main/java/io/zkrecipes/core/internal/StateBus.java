package io.zkrecipes.core.internal;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
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
 * The listener bus: delivers connection states in order, off ZooKeeper's event thread. States are
 * queued on one client-owned dispatcher thread. The recipes' own listeners run on it (they are
 * short and never block); every user listener runs on its own serial lane, so a slow one
 * delays nothing else.
 */
final class StateBus {
    private static final Logger log = LoggerFactory.getLogger(StateBus.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private record Registration(ConnectionStateListener listener, Executor executor) {
    }

    private final ZkClient client;
    private final ExecutorService thread;
    private final CopyOnWriteArrayList<Registration> registrations = new CopyOnWriteArrayList<>();

    StateBus(ZkClient client) {
        this.client = client;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "zk-recipes-events-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** {@code executor} null: inline on the dispatcher thread, for the recipes' own listeners. */
    void add(ConnectionStateListener listener, Executor executor) {
        Objects.requireNonNull(listener, "listener");
        registrations.add(new Registration(listener, executor == null ? Runnable::run : executor));
    }

    void remove(ConnectionStateListener listener) {
        registrations.removeIf(r -> r.listener == listener);
    }

    void publish(ConnectionState state) {
        try {
            thread.execute(() -> deliverAll(state));
        } catch (RejectedExecutionException closed) {
            log.debug("State {} after close not delivered", state);
        }
    }

    private void deliverAll(ConnectionState state) {
        {
            for (Registration r : registrations) {
                try {
                    r.executor.execute(() -> deliver(r.listener, state));
                } catch (RejectedExecutionException e) {
                    log.warn("Executor of listener {} refused state {}", r.listener, state);
                }
            }
        }
    }

    /** Delivers {@code last} after every state before it, then runs {@code then} and lets the thread end. */
    void closeAfter(ConnectionState last, Runnable then) {
        publish(last);
        try {
            thread.execute(then);
        } finally {
            thread.shutdown();
        }
    }

    private void deliver(ConnectionStateListener listener, ConnectionState state) {
        try {
            listener.stateChanged(client, state);
        } catch (RuntimeException e) {
            log.warn("Connection state listener {} failed on {}", listener, state, e);
        }
    }
}
