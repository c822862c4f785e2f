package io.zkrecipes.election;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Sequences;
import io.zkrecipes.core.internal.SerialExecutor;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows an election without taking part in it: who leads now (the participant with the lowest
 * sequence, with its id and data), the participants in line order, and a listener told of every
 * change of leader, in order, including "no leader right now" ({@link Optional#empty()}).
 *
 * <p>It keeps one persistent recursive watch on the election path, which reports every participant
 * joining and leaving in the server's order, and lists the participants once when started. A
 * joining participant's data is read once (reads of successive joins travel pipelined); a
 * participant that leaves before its data could be read is never reported. While the connection is
 * {@code SUSPENDED} the last known state stays; when the connection is back it lists the
 * participants once (changes during the gap are summarized into one change), after setting the
 * watch again if the session is a new one. The leader it reports is the participant entitled to
 * lead; that participant may be stepping down at that moment. The election path may be absent,
 * deleted and created again: there is no leader meanwhile.
 *
 * <p>Closing removes the client's persistent recursive watches on the path; other observers of
 * the same path on the same client see theirs removed, set them again and list once. So do not set
 * such watches on an election path yourself on a client that runs observers.
 *
 * <p>Thread-safe. Changes are applied one at a time on the client's pool (never on ZooKeeper's
 * event thread); listeners run on a callback lane of the client's, or on an executor given with
 * them; calls to one listener come one at a time, in order.
 */
public final class LeaderObserver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderObserver.class);
    private static final Comparator<String> LINE = Sequences.ORDER.thenComparing(Comparator.naturalOrder());

    /** Told when the leader changes. */
    @FunctionalInterface
    public interface Listener {
        /** The leader is now {@code leader}, or there is none ({@link Optional#empty()}). */
        void leaderChanged(Optional<Participant> leader);
    }

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    /** One change, applied on the step lane in the order it was queued. */
    @FunctionalInterface
    private interface Change {
        void apply() throws KeeperException, InterruptedException;
    }

    private record Registration(Listener listener, Executor executor) {
    }

    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final Session session;
    private final String path;
    private final String childPrefix;
    /** Applies changes one at a time, in the server's order, off ZooKeeper's event thread. */
    private final Executor steps;
    /** Held while a request is sent and its change queued, so that changes follow the server's order. */
    private final Object sendOrder = new Object();
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener stateListener = (c, state) -> onState(state);
    private final List<Registration> listeners = new CopyOnWriteArrayList<>();
    /** Completed by the first listing applied (or its refusal, or close). */
    private final CompletableFuture<Void> initialized = new CompletableFuture<>();
    private volatile long watchSession;
    private volatile List<Participant> view = List.of();

    // changed on the step lane only
    private final TreeMap<String, Participant> byNode = new TreeMap<>(LINE);
    private Optional<Participant> told;

    private LeaderObserver(ZkClient client, String path) {
        this.session = Session.of(Objects.requireNonNull(client, "client"));
        this.path = ZkPaths.validate(path, "path");
        this.childPrefix = path.equals("/") ? "/" : path + "/";
        this.steps = new SerialExecutor(session.workers());
    }

    /**
     * An observer of the election at {@code path}; nothing is read until {@link #start()}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path
     */
    public static LeaderObserver create(ZkClient client, String path) {
        return new LeaderObserver(client, path);
    }

    /**
     * Adds a listener run on a callback lane of its own; once started, it is first told the current
     * leader, then every change.
     *
     * @throws NullPointerException  if {@code listener} is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener) {
        register(Objects.requireNonNull(listener, "listener"), session.newCallbackLane());
    }

    /**
     * Adds a listener run on {@code executor} (one call at a time, in order); once started, it is
     * first told the current leader, then every change.
     *
     * @throws NullPointerException  if an argument is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener, Executor executor) {
        register(Objects.requireNonNull(listener, "listener"), session.userLane(Objects.requireNonNull(executor, "executor")));
    }

    private void register(Listener listener, Executor serial) {
        requireNotClosed();
        Registration r = new Registration(listener, serial);
        // on the step lane, so that the listener is told the current leader, then every change
        queue(() -> {
            listeners.add(r);
            if (told != null) {
                Optional<Participant> now = told;
                r.executor.execute(() -> r.listener.leaderChanged(now));
            }
        });
    }

    /**
     * Sets the watch and lists the participants in the background; returns at once (see
     * {@link #awaitInitialized}). Then follows every change.
     *
     * @throws IllegalStateException if already started or closed, or the client is closed
     */
    public void start() {
        session.requireOpen();
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("observer of " + path + " was already started or closed");
        }
        session.addListener(stateListener);
        resync(true);
    }

    /**
     * Blocks until the participants were listed once, or {@code timeout} passes, whatever the
     * network does.
     *
     * @return {@code true} once listed, {@code false} at the timeout
     * @throws ZkRecipeException        if the server refused the first read (for lack of permission, say)
     * @throws IllegalStateException    if not started, or the observer or its client is closed (also while waiting)
     * @throws InterruptedException     if interrupted while waiting
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public boolean awaitInitialized(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(Require.nonNegative(timeout, "timeout"));
        if (lifecycle.get() == Lifecycle.LATENT) {
            throw new IllegalStateException("observer of " + path + " is not started");
        }
        try (Wait wait = session.newWait()) {
            initialized.whenComplete((v, e) -> wait.fire());
            while (!initialized.isDone()) {
                if (!wait.await(deadline)) {
                    return false;
                }
            }
        }
        try {
            initialized.join();
            return true;
        } catch (java.util.concurrent.CompletionException e) {
            throw (RuntimeException) e.getCause();
        }
    }

    /** The leader as last known, or empty if there is none (or before the first listing). Never blocks. */
    public Optional<Participant> leader() {
        List<Participant> now = view;
        return now.isEmpty() ? Optional.empty() : Optional.of(now.get(0));
    }

    /** The participants in line order, leader first, as last known. Never blocks. */
    public List<Participant> participants() {
        return view;
    }

    /**
     * Stops following and removes the watch (without waiting); listeners are not called any more.
     * Idempotent; never blocks.
     */
    @Override
    public void close() {
        Lifecycle was = lifecycle.getAndSet(Lifecycle.CLOSED);
        if (was == Lifecycle.CLOSED) {
            return;
        }
        initialized.completeExceptionally(new IllegalStateException("observer of " + path + " was closed"));
        if (was == Lifecycle.STARTED) {
            session.removeListener(stateListener);
            try {
                session.ops().removeAllWatches(path, Watcher.WatcherType.PersistentRecursive).whenComplete((ok, e) -> {
                    if (e != null) {
                        log.debug("Could not remove the watch on {}: {}", path, e.toString());
                    }
                });
            } catch (IllegalStateException clientClosed) {
                // the watch goes with the session
            }
        }
    }

    // ---- events, on ZooKeeper's event thread and the dispatcher: short, never blocking -----------

    private void onEvent(WatchedEvent event) {
        String p = event.getPath();
        if (event.getType() == EventType.None || p == null || lifecycle.get() != Lifecycle.STARTED) {
            return; // connection changes arrive through the state listener
        }
        if (p.equals(path)) {
            if (event.getType() == EventType.NodeDeleted) {
                queue(this::ended);
            } else if (event.getType() == EventType.PersistentWatchRemoved) {
                resync(true); // another observer on this client was closed and took the watch with it
            }
            return;
        }
        String name = p.startsWith(childPrefix) ? p.substring(childPrefix.length()) : "";
        if (name.isEmpty() || name.indexOf('/') >= 0 || Sequences.sequence(name) < 0) {
            return; // below a participant's node, or not a participant
        }
        switch (event.getType()) {
            case NodeCreated, NodeDataChanged -> read(name);
            case NodeDeleted -> queue(() -> left(name));
            default -> { }
        }
    }

    private void onState(ConnectionState state) {
        if (state == ConnectionState.RECONNECTED && lifecycle.get() == Lifecycle.STARTED) {
            // same session: the server kept the watch, but changes during the gap were not reported;
            // a new session: the watch went with the old one
            resync(session.sessionId() != watchSession);
        }
    }

    private void read(String name) {
        try {
            synchronized (sendOrder) {
                // sent at once from the event: reads of successive joins travel pipelined, applied in event order
                CompletableFuture<AsyncOps.NodeData> data = session.ops().getData(ZkPaths.join(path, name), null);
                queue(() -> joined(name, data));
            }
        } catch (IllegalStateException clientClosed) {
            log.debug("Observer of {} stops: the client is closed", path);
        }
    }

    /** Sends one listing (behind setting the watch, if asked) and queues applying it. Never blocks. */
    private void resync(boolean addWatch) {
        try {
            synchronized (sendOrder) {
                // the watch is set before the listing is read, so that no change after the listing goes unseen
                long session0 = session.sessionId();
                CompletableFuture<Void> watch = addWatch
                        ? session.ops().addWatch(path, watcher, AddWatchMode.PERSISTENT_RECURSIVE)
                                .thenRun(() -> watchSession = session0)
                        : CompletableFuture.completedFuture(null);
                CompletableFuture<AsyncOps.Children> listing = session.ops().getChildren(path, null);
                queue(() -> resynced(watch, listing));
            }
        } catch (IllegalStateException clientClosed) {
            initialized.completeExceptionally(clientClosed);
        }
    }

    private void queue(Change change) {
        try {
            steps.execute(() -> apply(change));
        } catch (RejectedExecutionException closed) {
            log.debug("Observer of {} stops: the client is closed", path);
        }
    }

    /** Applies one change; a failed read is read again after reconnection. */
    private void apply(Change change) {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            return;
        }
        try {
            change.apply();
        } catch (KeeperException e) {
            log.warn("Could not read the election at {}: {}{}", path, e.code(),
                    ZkClient.isRetryable(e.code()) ? "; reading again after reconnection" : "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            log.debug("Observer of {} stops: {}", path, e.getMessage());
        }
    }

    // ---- changes, on the step lane ------------------------------------------------------------

    /** A participant joined (or its data changed): {@code data} is the read sent on its event. */
    private void joined(String name, CompletableFuture<AsyncOps.NodeData> data) throws KeeperException, InterruptedException {
        try {
            Participant p = decode(name, Deadline.none().join(data));
            byNode.put(p.node(), p);
        } catch (KeeperException.NoNodeException gone) {
            return; // it left already; its deletion event follows
        }
        publish();
    }

    private void left(String name) {
        byNode.remove(name);
        publish();
    }

    /** The election path was deleted: no leader until it is created again and joined. */
    private void ended() {
        byNode.clear();
        publish();
    }

    /** Replaces what is known by a listing once the watch is set; reads only the newcomers' data. */
    private void resynced(CompletableFuture<Void> watch, CompletableFuture<AsyncOps.Children> listing)
            throws KeeperException, InterruptedException {
        List<String> names;
        try {
            Deadline.none().join(watch);
            names = Sequences.sorted(Deadline.none().join(listing).names());
        } catch (KeeperException.NoNodeException none) {
            names = List.of(); // no election now; the watch reports its creation
        } catch (KeeperException e) {
            if (!ZkClient.isRetryable(e.code()) && e.code() != KeeperException.Code.SESSIONEXPIRED) {
                initialized.completeExceptionally(new ZkRecipeException("observe the election at " + path, e));
            }
            throw e;
        }
        Map<String, CompletableFuture<AsyncOps.NodeData>> reads = new LinkedHashMap<>();
        for (String name : names) {
            if (!byNode.containsKey(name)) {
                // pipelined: every newcomer's data in one round trip
                reads.put(name, session.ops().getData(ZkPaths.join(path, name), null));
            }
        }
        Map<String, Participant> next = new HashMap<>();
        for (String name : names) {
            Participant known = byNode.get(name);
            try {
                next.put(name, known != null ? known : decode(name, Deadline.none().join(reads.get(name))));
            } catch (KeeperException.NoNodeException gone) {
                // it left after the listing; its deletion event follows
            }
        }
        byNode.clear();
        byNode.putAll(next);
        publish();
        initialized.complete(null);
    }

    private static Participant decode(String name, AsyncOps.NodeData data) {
        return NodeContent.decode(data.data(), name, data.stat().getCzxid());
    }

    /** Publishes the view and tells the listeners if the leader changed. */
    private void publish() {
        view = List.copyOf(byNode.values());
        Optional<Participant> leader = byNode.isEmpty() ? Optional.empty() : Optional.of(byNode.firstEntry().getValue());
        if (leader.equals(told) || lifecycle.get() == Lifecycle.CLOSED) {
            return;
        }
        told = leader;
        session.events().leaderChanged(path, leader.map(Participant::id));
        for (Registration r : listeners) {
            try {
                r.executor.execute(() -> r.listener.leaderChanged(leader));
            } catch (RejectedExecutionException e) {
                log.debug("Listener of the observer of {} not told: its executor refused", path);
            }
        }
    }

    private void requireNotClosed() {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("observer of " + path + " is closed");
        }
    }
}
