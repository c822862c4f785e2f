package io.zkrecipes.state;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node behind a {@link SharedCounter} or a {@link SharedValue}: every request the recipe sends
 * on it, one persistent watch that says whether what the recipe last read or wrote is still the
 * node's latest state, and the recipe's listeners, fed in zxid order. Not part of the API.
 *
 * <p>Why the watch saves requests. A session delivers a change's notification before the reply to
 * any request it sends later, and the notification carries the change's zxid. So a state seen with
 * mzxid {@code m}, after the watch was in place, is the latest one as long as no notification with a
 * zxid above {@code m} has arrived: the recipe can write on it without reading first. A connection
 * state change (or a notification without a zxid) starts a new <em>epoch</em>: states seen before
 * it are no longer trusted, and the next read sets the watch again in front of itself (pipelined:
 * one round trip). Whether a state is current only ever decides whether to read first; writes are
 * conditional, so a wrong guess costs a failed write, never a wrong value.
 *
 * <p>Listeners get the values of the states this node saw, in zxid order (older or repeated ones are
 * dropped; an absence first, or after a present state); while there are listeners every notification
 * starts a read, at most one in flight, so values may be skipped but the latest is delivered.
 *
 * @param <V> the decoded value handed to listeners
 */
final class SharedNode<V> {
    private static final Logger log = LoggerFactory.getLogger(SharedNode.class);

    /** A state of the node as one reply showed it: {@code stat} is null when the node did not exist. */
    record Seen(byte[] data, Stat stat, int epoch) {
        boolean exists() {
            return stat != null;
        }
    }

    /** Turns a state into what listeners get; {@code null} to publish nothing. */
    interface Decoder<V> {
        V decode(Seen seen);
    }

    private record Subscriber<V>(Consumer<V> listener, Executor lane) {
    }

    private final Session session;
    private final String path;
    private final Decoder<V> decoder;
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener states = (client, state) -> onStateChange(state);
    private final Object lock = new Object();
    private final List<Subscriber<V>> subscribers = new ArrayList<>(); // all below guarded by lock
    private int epoch;
    private int watchSentEpoch = -1;
    private int watchEpoch = -1;
    private long changedZxid;
    private long publishedZxid;
    private boolean publishedPresent;
    private boolean everSeen;
    private V published;
    private boolean refreshing;
    private boolean refreshAgain;
    private boolean started;
    private boolean closed;

    SharedNode(Session session, String path, Decoder<V> decoder) {
        this.session = session;
        this.path = path;
        this.decoder = decoder;
    }

    String path() {
        return path;
    }

    /** Whether {@code seen} is still the node's latest state, as far as the watch can tell (see the class comment). */
    boolean isCurrent(Seen seen) {
        synchronized (lock) {
            return !closed && seen.epoch == epoch && watchEpoch == epoch && seen.exists()
                    && changedZxid <= seen.stat.getMzxid();
        }
    }

    // ---- requests: each reply is published to listeners as it arrives ----

    /** Reads the node, setting the watch first (pipelined) when this epoch has none yet. Absent: a Seen without stat. */
    CompletableFuture<Seen> read() {
        int sentEpoch;
        boolean watch;
        synchronized (lock) {
            startLocked();
            sentEpoch = epoch;
            watch = !closed && watchSentEpoch != epoch;
            watchSentEpoch = epoch;
        }
        if (watch) {
            // why not wait for it: the session applies the read after the watch, so the read's state is covered
            session.ops().addWatch(path, watcher, AddWatchMode.PERSISTENT).whenComplete((ok, failure) -> {
                synchronized (lock) {
                    if (failure == null && epoch == sentEpoch) {
                        watchEpoch = sentEpoch;
                    } else if (watchSentEpoch == sentEpoch) {
                        watchSentEpoch = -1;
                    }
                }
            });
        }
        return session.ops().getData(path, null).handle((nodeData, failure) -> {
            if (failure == null) {
                return observed(new Seen(nodeData.data(), nodeData.stat(), sentEpoch));
            }
            if (AsyncOps.codeOf(failure) == Code.NONODE) {
                return observed(new Seen(null, null, sentEpoch));
            }
            throw failure instanceof RuntimeException re ? re : new CompletionException(failure);
        });
    }

    /** Writes the node if its data version is {@code version}. */
    CompletableFuture<Seen> setData(byte[] data, int version) {
        int sentEpoch = epoch();
        return session.ops().setData(path, data, version).thenApply(stat -> observed(new Seen(data, stat, sentEpoch)));
    }

    /** Creates the node (persistent, parents as containers). */
    CompletableFuture<Seen> create(byte[] data) {
        int sentEpoch = epoch();
        return session.ops().createWithParents(path, data, CreateMode.PERSISTENT)
                .thenApply(created -> observed(new Seen(data, created.stat(), sentEpoch)));
    }

    private int epoch() {
        synchronized (lock) {
            startLocked();
            return epoch;
        }
    }

    // ---- listeners ----

    /**
     * Adds a listener on {@code lane} (a serial executor): it gets the last value published, if
     * any, then every newer one. Starts a read, so that it learns the current value.
     */
    void subscribe(Consumer<V> listener, Executor lane) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(path + " is closed");
            }
            startLocked();
            Subscriber<V> s = new Subscriber<>(listener, lane);
            subscribers.add(s);
            if (published != null) {
                deliver(s, published);
            }
        }
        refresh();
    }

    void unsubscribe(Consumer<V> listener) {
        synchronized (lock) {
            subscribers.removeIf(s -> s.listener == listener);
        }
    }

    private Seen observed(Seen seen) {
        V value = decoded(seen);
        synchronized (lock) {
            boolean newer = seen.exists() ? seen.stat.getMzxid() > publishedZxid : publishedPresent || !everSeen;
            if (newer && !closed) {
                everSeen = true;
                publishedPresent = seen.exists();
                publishedZxid = seen.exists() ? seen.stat.getMzxid() : publishedZxid;
                if (value != null) {
                    published = value;
                    subscribers.forEach(s -> deliver(s, value));
                }
            }
        }
        return seen;
    }

    private V decoded(Seen seen) {
        try {
            return decoder.decode(seen);
        } catch (RuntimeException e) {
            log.warn("Cannot decode {}; listeners skip this state", path, e);
            return null;
        }
    }

    private void deliver(Subscriber<V> s, V value) {
        try {
            s.lane.execute(() -> s.listener.accept(value));
        } catch (RejectedExecutionException e) {
            log.debug("Listener of {} no longer takes values", path);
        }
    }

    /** Reads the node for the listeners: at most one read in flight, one more after it if anything changed meanwhile. */
    private void refresh() {
        synchronized (lock) {
            if (closed || subscribers.isEmpty()) {
                return;
            }
            if (refreshing) {
                refreshAgain = true;
                return;
            }
            refreshing = true;
            refreshAgain = false;
        }
        CompletableFuture<Seen> reading;
        try {
            reading = read();
        } catch (RuntimeException e) {
            synchronized (lock) {
                refreshing = false;
            }
            log.debug("Cannot read {} for its listeners", path, e); // the client is closed
            return;
        }
        reading.whenComplete((seen, failure) -> {
            boolean again;
            synchronized (lock) {
                refreshing = false;
                again = refreshAgain;
            }
            if (failure != null) {
                // a lost connection: the state change that follows starts the next read
                log.debug("Reading {} for its listeners failed: {}", path, failure.toString());
            }
            if (again) {
                refresh();
            }
        });
    }

    // ---- the watch and the session ----

    /** Starts following the session on first use; a closed node still serves requests (a change in flight settles). */
    private void startLocked() {
        if (!started && !closed) {
            started = true;
            session.addListener(states);
        }
    }

    private void onEvent(WatchedEvent event) {
        EventType type = event.getType();
        if (type != EventType.NodeDataChanged && type != EventType.NodeCreated && type != EventType.NodeDeleted) {
            return; // connection states come through the session listener; removals are ours
        }
        synchronized (lock) {
            if (event.getZxid() > 0) {
                changedZxid = Math.max(changedZxid, event.getZxid());
            } else {
                epoch++; // no zxid to compare: trust nothing seen so far
            }
        }
        refresh();
    }

    /** Runs on the session's dispatcher: short, never blocks. */
    private void onStateChange(ConnectionState state) {
        if (state == ConnectionState.CONNECTED) {
            return; // the first connection (it may be delivered after our first reads): nothing seen can be stale
        }
        synchronized (lock) {
            epoch++;
        }
        refresh(); // after a reconnection or expiry: the watch again, and the current value for listeners
    }

    /** Stops the listeners and the watch. Idempotent. */
    void close() {
        boolean wasStarted;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            wasStarted = started;
            subscribers.clear();
        }
        if (!wasStarted) {
            return;
        }
        session.removeListener(states);
        try {
            // client side only: events that still come for the server's side find us closed and are dropped
            session.ops().removeWatches(path, watcher, Watcher.WatcherType.Any)
                    .exceptionally(failure -> null);
        } catch (RuntimeException e) {
            log.debug("Watch on {} goes with the closed client", path);
        }
    }
}
