package io.zkrecipes.election;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Sequences;
import io.zkrecipes.core.internal.SerialExecutor;
import io.zkrecipes.core.internal.Session;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows an election without taking part in it: who leads now (the participant with the lowest
 * sequence, with its id and data), the participants in line order, and a listener told of every
 * change of leader, in order, including "no leader right now" ({@link Optional#empty()}).
 *
 * <p>It keeps one persistent recursive watch on the election path, which reports every participant
 * joining and leaving in the server's order, and lists the participants once at {@link #start()}.
 * A joining participant's data is read once (reads of successive joins travel pipelined); a
 * participant that leaves before its data could be read is never reported. While the connection is
 * {@code SUSPENDED} the last known state stays; after {@code RECONNECTED} it lists the participants
 * once (changes during the gap are summarized into one change), and after {@code LOST} it sets the
 * watch again on the new session and lists once. The leader it reports is the participant entitled
 * to lead; that participant may be stepping down at that moment. The election path may be absent,
 * deleted and created again: there is no leader meanwhile.
 *
 * <p>Closing removes this observer's watch; when it is the last started observer of that path on
 * that client, it removes every persistent recursive watch of the client on the path, so do not set
 * such watches on an election path yourself on a client that runs observers.
 *
 * <p>Thread-safe. Changes are applied and listeners run on the observer's own thread (never on
 * ZooKeeper's event thread), or listeners on an executor given with them; calls to one listener
 * come one at a time, in order.
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
    private final String childPrefix;
    private final ExecutorService thread;
    /** Held while a request is sent and its step queued, so that steps follow the server's order. */
    private final Object sendOrder = new Object();
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener stateListener = (c, state) -> onState(state);
    private final ObservedElection election;
    private volatile long watchSession;
    /** Listings queued but not yet applied; close fails them, so a waiting start() returns. */
    private final Set<CompletableFuture<Void>> pendingListings = ConcurrentHashMap.newKeySet();

    /**
     * An observer of the election at {@code path}; nothing is read until {@link #start()}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path
     */
    public LeaderObserver(ZkClient client, String path) {
        this.client = Objects.requireNonNull(client, "client");
        this.path = ZkPaths.validate(path, "path");
        this.childPrefix = path.equals("/") ? "/" : path + "/";
        this.election = new ObservedElection(client, path);
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
     * first told the current leader, then every change.
     *
     * @throws NullPointerException  if an argument is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener, Executor executor) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(executor, "executor");
        requireNotClosed();
        Executor serial = new SerialExecutor(executor);
        // on the observer's thread, so that the listener sees the current leader, then every change
        thread.execute(() -> election.addListener(listener, serial));
    }

    /**
     * Sets the watch, lists the participants and reads their data (pipelined), and tells the
     * listeners the leader; blocks until done, retrying through connection loss under the client's
     * retry policy. Then follows changes in the background.
     *
     * @throws IllegalStateException if already started or closed, or closed while waiting for the first read
     * @throws ZkRecipeException     if the first read failed
     * @throws InterruptedException  if interrupted while waiting for the first read
     */
    public void start() throws InterruptedException {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("observer of " + path + " was already started or closed");
        }
        WatchOwners.acquire(client, path);
        client.addListener(stateListener);
        try {
            client.retry(() -> AsyncOps.join(resync(true)));
        } catch (KeeperException e) {
            throw new ZkRecipeException("observe the election at " + path, e);
        }
    }

    /** The leader as last known, or empty if there is none (or before {@link #start()}). Never blocks. */
    public Optional<Participant> leader() {
        List<Participant> now = election.participants();
        return now.isEmpty() ? Optional.empty() : Optional.of(now.get(0));
    }

    /** The participants in line order, leader first, as last known. Never blocks. */
    public List<Participant> participants() {
        return election.participants();
    }

    /**
     * Stops following and removes the watch (without waiting); listeners are not called any more.
     * Idempotent; never blocks.
     */
    @Override
    public void close() {
        Lifecycle was = lifecycle.getAndSet(Lifecycle.CLOSED);
        election.silence();
        if (was == Lifecycle.STARTED) {
            client.removeListener(stateListener);
            ObserverWatch.remove(client, path, watcher, WatchOwners.release(client, path));
        }
        thread.shutdownNow();
        IllegalStateException closed = new IllegalStateException("observer of " + path + " was closed");
        pendingListings.forEach(f -> f.completeExceptionally(closed));
    }

    /** On ZooKeeper's event thread: turns one event into a queued step; never blocks. */
    private void onEvent(WatchedEvent event) {
        try {
            follow(event);
        } catch (IllegalStateException closed) {
            log.debug("Observer of {} ignores {}: {}", path, event, closed.getMessage()); // client closed
        }
    }

    private void follow(WatchedEvent event) {
        String p = event.getPath();
        if (event.getType() == EventType.None || p == null || lifecycle.get() != Lifecycle.STARTED) {
            return; // connection changes arrive through the state listener
        }
        if (p.equals(path)) {
            if (event.getType() == EventType.NodeDeleted) {
                queue(election::ended, null);
            }
            return;
        }
        String name = p.startsWith(childPrefix) ? p.substring(childPrefix.length()) : "";
        if (name.isEmpty() || name.indexOf('/') >= 0 || Sequences.sequence(name) < 0) {
            return; // below a participant's node, or not a participant
        }
        switch (event.getType()) {
            case NodeCreated, NodeDataChanged -> read(name);
            case NodeDeleted -> queue(() -> election.left(name), null);
            default -> { }
        }
    }

    private void read(String name) {
        synchronized (sendOrder) {
            // sent at once from the event: reads of successive joins travel pipelined, applied in event order
            CompletableFuture<AsyncOps.NodeData> data = Session.of(client).ops().getData(ZkPaths.join(path, name), null);
            queue(() -> election.joined(name, data), null);
        }
    }

    private void onState(ConnectionState state) {
        if (lifecycle.get() != Lifecycle.STARTED) {
            return;
        }
        try {
            if (state == ConnectionState.RECONNECTED) {
                // same session: the server kept the watch, but changes during the gap were not reported
                resync(client.sessionId() != watchSession);
            } else if (state == ConnectionState.LOST) {
                resync(true); // the watch went with the old session
            }
        } catch (IllegalStateException closed) {
            log.debug("Observer of {} not resynced: {}", path, closed.getMessage()); // client closed
        }
    }

    /** Queues one listing (after setting the watch if asked); completes when it has been applied. */
    private CompletableFuture<Void> resync(boolean addWatch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pendingListings.add(done);
        done.whenComplete((v, e) -> pendingListings.remove(done));
        if (lifecycle.get() == Lifecycle.CLOSED) {
            done.completeExceptionally(new IllegalStateException("observer of " + path + " was closed"));
            return done;
        }
        synchronized (sendOrder) {
            // the watch is set before the listing is read, so that no change after the listing goes unseen
            CompletableFuture<Void> watch = addWatch
                    ? Session.of(client).ops().addWatch(path, watcher, AddWatchMode.PERSISTENT_RECURSIVE)
                            .thenRun(() -> watchSession = client.sessionId())
                    : CompletableFuture.completedFuture(null);
            CompletableFuture<AsyncOps.Children> listing = Session.of(client).ops().getChildren(path, null);
            queue(() -> election.resynced(watch, listing, done), done);
        }
        return done;
    }

    private void queue(ObserverWatch.Step step, CompletableFuture<Void> onRejected) {
        try {
            thread.execute(() -> ObserverWatch.run(step, path));
        } catch (RejectedExecutionException closed) {
            if (onRejected != null) {
                onRejected.completeExceptionally(new IllegalStateException("observer of " + path + " is closed"));
            }
        }
    }

    private void requireNotClosed() {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("observer of " + path + " is closed");
        }
    }
}
