package io.zkrecipes.election;

import io.zkrecipes.core.AsyncOps;
import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.Sequences;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows an election without taking part in it: who leads now (the participant with the lowest
 * sequence, with its id and data), the participants in line order, and a listener told of every
 * change of leader, including "no leader right now" ({@link Optional#empty()}).
 *
 * <p>It keeps one child watch on the election path and re-reads the list after each change; the
 * data of a participant is read once, when it first appears (all new ones in one pipelined round
 * trip). After {@code RECONNECTED} and {@code LOST} it reads the list again by itself. The leader it
 * reports is the participant entitled to lead; that participant may be stepping down at that
 * moment (e.g. while its own connection is suspended).
 *
 * <p>Thread-safe. Reads and listener calls run on the observer's own thread, or listeners on an
 * executor given with them; calls to one listener come one at a time, in order.
 */
public final class LeaderObserver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderObserver.class);

    /** Told when the leader changes. */
    @FunctionalInterface
    public interface Listener {
        /** The leader is now {@code leader}, or there is none ({@link Optional#empty()}). */
        void leaderChanged(Optional<Participant> leader);
    }

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final ZkClient client;
    private final String path;
    private final ExecutorService thread;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Watcher watcher = event -> {
        if (event.getType() != Watcher.Event.EventType.None) {
            schedule();
        }
    };
    private final ConnectionStateListener stateListener = (c, state) -> {
        if (state == ConnectionState.RECONNECTED || state == ConnectionState.LOST) {
            schedule(); // watches may have fired unseen (or are gone with the session): read again
        }
    };
    private final List<Map.Entry<Listener, Executor>> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Participant> known = new HashMap<>();
    private volatile List<Participant> view = List.of();
    private Optional<Participant> told;

    /**
     * An observer of the election at {@code path}; nothing is read until {@link #start()}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path
     */
    public LeaderObserver(ZkClient client, String path) {
        this.client = Objects.requireNonNull(client, "client");
        this.path = ZkPaths.validate(path, "path");
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "zk-election-observer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Adds a listener run on the observer's thread; once started, it is first told the current leader. */
    public void addListener(Listener listener) {
        addListener(listener, Runnable::run);
    }

    /**
     * Adds a listener run on {@code executor} (one call at a time, in order); once started, it is
     * first told the current leader.
     *
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener, Executor executor) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(executor, "executor");
        requireNotClosed();
        Map.Entry<Listener, Executor> entry = Map.entry(listener, new SerialRunner(executor));
        // on the observer's thread, so that the listener sees the current leader, then every change
        thread.execute(() -> {
            listeners.add(entry);
            if (told != null) {
                Optional<Participant> now = told;
                entry.getValue().execute(() -> entry.getKey().leaderChanged(now));
            }
        });
    }

    /**
     * Reads the participants (one listing, and their data in one pipelined round trip) and tells the
     * listeners the leader; blocks until done. Then follows changes in the background.
     *
     * @throws IllegalStateException if already started or closed
     * @throws ZkRecipeException     if the first read failed (it is tried again after reconnection)
     * @throws InterruptedException  if interrupted while waiting for the first read
     */
    public void start() throws InterruptedException {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("observer of " + path + " was already started or closed");
        }
        client.addListener(stateListener);
        Future<?> first = thread.submit(() -> {
            refresh();
            return null;
        });
        try {
            first.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof KeeperException ke) {
                throw new ZkRecipeException("observe the election at " + path, ke);
            }
            throw new IllegalStateException("observe the election at " + path, e.getCause());
        }
    }

    /** The leader as last read, or empty if there is none (or before {@link #start()}). Never blocks. */
    public Optional<Participant> leader() {
        List<Participant> now = view;
        return now.isEmpty() ? Optional.empty() : Optional.of(now.get(0));
    }

    /** The participants in line order, leader first, as last read. Never blocks. */
    public List<Participant> participants() {
        return view;
    }

    /** Stops following; listeners are not called any more. Idempotent. */
    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) != Lifecycle.CLOSED) {
            client.removeListener(stateListener);
            thread.shutdownNow();
        }
    }

    private void schedule() {
        if (lifecycle.get() != Lifecycle.STARTED || !scheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.execute(this::refreshQuietly);
        } catch (RejectedExecutionException closed) {
            scheduled.set(false);
        }
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (KeeperException e) {
            log.warn("Could not read the election at {}: {}; reading again after reconnection", path, e.code());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (IllegalStateException e) {
            log.debug("Observer of {} stops: {}", path, e.getMessage());
        }
    }

    /** One listing with the watch re-armed; data read only for participants not seen before. */
    private void refresh() throws KeeperException, InterruptedException {
        scheduled.set(false); // an event from now on schedules another read
        List<String> names = list();
        if (names == null) {
            return;
        }
        Map<String, CompletableFuture<AsyncOps.NodeData>> reads = new LinkedHashMap<>();
        for (String name : names) {
            if (!known.containsKey(name)) {
                // pipelined: every newcomer's data in one round trip
                reads.put(name, client.async().getData(ZkPaths.join(path, name), null));
            }
        }
        for (Map.Entry<String, CompletableFuture<AsyncOps.NodeData>> read : reads.entrySet()) {
            try {
                AsyncOps.NodeData data = AsyncOps.join(read.getValue());
                known.put(read.getKey(), NodeContent.decode(data.data(), read.getKey(), data.stat().getCzxid()));
            } catch (KeeperException.NoNodeException left) {
                // left between the listing and the read: the next event reports it
            }
        }
        known.keySet().retainAll(names);
        view = names.stream().map(known::get).filter(Objects::nonNull).toList();
        tell(leader());
    }

    /** The sorted children with the child watch set; {@code null} if the caller must read again. */
    private List<String> list() throws KeeperException, InterruptedException {
        try {
            return Sequences.sorted(client.retry(() -> AsyncOps.join(client.async().getChildren(path, watcher)))
                    .names());
        } catch (KeeperException.NoNodeException e) {
            // no election yet, or it ended: be told when it appears
            if (client.retry(() -> AsyncOps.join(client.async().exists(path, watcher))) != null) {
                schedule();
                return null;
            }
            return List.of();
        }
    }

    private void tell(Optional<Participant> leader) {
        if (leader.equals(told) || lifecycle.get() == Lifecycle.CLOSED) {
            return;
        }
        told = leader;
        for (Map.Entry<Listener, Executor> l : listeners) {
            l.getValue().execute(() -> l.getKey().leaderChanged(leader));
        }
    }

    private void requireNotClosed() {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("observer of " + path + " is closed");
        }
    }
}
