package io.zkrecipes.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the current ZooKeeper handle: opens it, turns ZooKeeper's session events into
 * {@link ConnectionState}s, and opens a new session after one expires.
 */
final class SessionKeeper {
    private static final Logger log = LoggerFactory.getLogger(SessionKeeper.class);

    private final Settings settings;
    private final Consumer<ConnectionState> onState;
    private final ExecutorService reopener;
    private final Object lock = new Object();
    private volatile ZooKeeper handle;
    private int generation;
    private boolean connected;
    private boolean everConnected;
    private boolean interrupted;
    private boolean closed;

    SessionKeeper(Settings settings, Consumer<ConnectionState> onState) {
        this.settings = settings;
        this.onState = onState;
        this.reopener = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "zk-recipes-session");
            t.setDaemon(true);
            return t;
        });
    }

    void open() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            int gen = ++generation;
            try {
                ZooKeeper zk = new ZooKeeper(settings.chrootedConnectString(),
                        (int) settings.sessionTimeout().toMillis(), event -> onEvent(gen, event), false,
                        settings.clientConfig());
                if (settings.hasCredentials()) {
                    zk.addAuthInfo("digest", (settings.digestUser() + ":" + settings.digestPassword())
                            .getBytes(StandardCharsets.UTF_8));
                }
                handle = zk;
            } catch (IOException e) {
                throw new IllegalStateException("cannot open a ZooKeeper handle for " + settings, e);
            }
        }
    }

    ZooKeeper handle() {
        return handle;
    }

    boolean isConnected() {
        synchronized (lock) {
            return connected;
        }
    }

    /** Waits until connected, at most {@code nanos}; returns whether connected. */
    boolean awaitConnected(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        synchronized (lock) {
            while (!connected && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return connected;
        }
    }

    void close() throws InterruptedException {
        ZooKeeper zk;
        synchronized (lock) {
            closed = true;
            connected = false;
            generation++;
            zk = handle;
            lock.notifyAll();
        }
        reopener.shutdownNow();
        if (zk != null) {
            zk.close();
        }
    }

    private void onEvent(int gen, WatchedEvent event) {
        if (event.getType() != Watcher.Event.EventType.None) {
            return;
        }
        synchronized (lock) {
            if (gen != generation || closed) {
                return;
            }
            switch (event.getState()) {
                case SyncConnected, ConnectedReadOnly -> connectedNow();
                case Disconnected -> {
                    if (connected) {
                        connected = false;
                        interrupted = true;
                        onState.accept(ConnectionState.SUSPENDED);
                    }
                }
                case Expired -> {
                    connected = false;
                    interrupted = true;
                    onState.accept(ConnectionState.LOST);
                    ZooKeeper dead = handle;
                    reopener.execute(() -> reopen(dead));
                }
                case AuthFailed -> log.error("Authentication to ZooKeeper failed for {}", settings);
                default -> log.debug("Session event {}", event);
            }
            lock.notifyAll();
        }
    }

    private void connectedNow() {
        if (connected) {
            return;
        }
        connected = true;
        if (!everConnected) {
            everConnected = true;
            onState.accept(ConnectionState.CONNECTED);
        } else if (interrupted) {
            interrupted = false;
            onState.accept(ConnectionState.RECONNECTED);
        }
    }

    private void reopen(ZooKeeper dead) {
        try {
            dead.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        log.info("Session expired; opening a new one ({})", settings);
        open();
    }
}
