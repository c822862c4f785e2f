package io.zkrecipes.state;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.data.Stat;

/**
 * A value shared by processes, kept in one persistent node, with a version for compare-and-set.
 *
 * <pre>{@code
 * SharedValue<String> mode = SharedValue.ofString(client, "/settings/mode");
 * Optional<SharedValue.Versioned<String>> now = mode.get();
 * boolean won = mode.trySet(now.map(SharedValue.Versioned::version).orElse(SharedValue.ABSENT), "drain");
 * }</pre>
 *
 * <p><b>The version</b> of a value is the zxid of the write that made it (the node's {@code mzxid}).
 * ZooKeeper numbers every write of the ensemble from one growing sequence, so the versions of this
 * value only grow: also when the node is deleted and created again, since the new node's first
 * version is the zxid of its create, above every version before. It is not ZooKeeper's per-node
 * data version, which restarts at 0. A missing node has no version; {@link #ABSENT} (0) stands
 * for it in {@link #trySet}.
 *
 * <p><b>Writes.</b> {@link #trySet} writes only if the value still has the expected version (one
 * conditional write, plus a read when this object has not seen that version itself); {@link #set}
 * writes whatever the version. The node's data is the serializer's bytes and nothing else, so other
 * tools read and write it as they are. One limit: ZooKeeper checks its own per-node data version,
 * so a {@code trySet} whose expected version was read before the node was deleted and created again
 * succeeds if the new node has been written exactly as many times as the old one had; use
 * versions read after such a re-create.
 *
 * <p><b>A lost reply</b> (connection drop, session expiry, interrupt while waiting) is settled by
 * reading the node: still at the expected version, the write was not applied and is sent again;
 * one version later with our bytes, it was applied; one version later with other bytes, another
 * writer won. Anything else throws {@link OutcomeUnknownException}. (A writer that set the very same
 * bytes at that very version cannot be told from us; the value is then what we asked for.)
 *
 * <p><b>Listeners</b> get the current state (a value, or empty while the node is missing), then every
 * later one, in version order, on a lane of their own; intermediate values may be skipped, the
 * latest is always delivered. They survive {@code SUSPENDED}, reconnection and session expiry (the
 * watch is set again and the node re-read).
 *
 * <p>Thread-safe. Made without any request; starts on first use. Calls retry connection loss under
 * the client's retry policy, through session expiry (the node is persistent), and throw
 * {@link ZkRecipeException} once its deadline has passed. After {@link #close()} every method
 * throws {@link IllegalStateException}.
 *
 * @param <T> the value's type
 */
public final class SharedValue<T> implements AutoCloseable {
    /** For {@link #trySet}: write only if the node does not exist. */
    public static final long ABSENT = 0;

    /** Turns values into node data and back. */
    public interface Serializer<T> {
        /** The node data for {@code value}; must not return null. */
        byte[] serialize(T value);

        /** The value for node data written by {@link #serialize} (or by someone else); may throw on malformed data. */
        T deserialize(byte[] data);
    }

    /**
     * A value and its version.
     *
     * @param value   the value
     * @param version the zxid of the write that made it (see {@link SharedValue})
     * @param <T>     the value's type
     */
    public record Versioned<T>(T value, long version) {
    }

    /** Receives the value's states. */
    @FunctionalInterface
    public interface Listener<T> {
        /** The value is (or was, an instant ago) {@code current}; empty while the node does not exist. */
        void valueChanged(Optional<Versioned<T>> current);
    }

    private static final Serializer<String> UTF8 = new Serializer<>() {
        @Override
        public byte[] serialize(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String deserialize(byte[] data) {
            return new String(data, StandardCharsets.UTF_8);
        }
    };

    private static final Serializer<byte[]> BYTES = new Serializer<>() {
        @Override
        public byte[] serialize(byte[] value) {
            return value.clone();
        }

        @Override
        public byte[] deserialize(byte[] data) {
            return data.clone();
        }
    };

    private final Session session;
    private final Serializer<T> serializer;
    private final SharedNode<Optional<Versioned<T>>> node;
    private final Map<Listener<T>, Consumer<Optional<Versioned<T>>>> listeners = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object lock = new Object();
    private SharedNode.Seen latest; // guarded by lock: the newest state seen, to map a version to its data version

    private SharedValue(Session session, String path, Serializer<T> serializer) {
        this.session = session;
        this.serializer = serializer;
        this.node = new SharedNode<>(session, path, this::decode);
    }

    /**
     * A value of type {@code T} kept in the node at {@code path}. Sends nothing.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path or is the root
     * @throws IllegalStateException    if the client is closed
     */
    public static <T> SharedValue<T> create(ZkClient client, String path, Serializer<T> serializer) {
        Session session = Session.of(client);
        Objects.requireNonNull(serializer, "serializer");
        session.requireOpen();
        ZkPaths.validate(path, "path");
        if (path.equals("/")) {
            throw new IllegalArgumentException("path must not be the root: give the value its own node");
        }
        return new SharedValue<>(session, path, serializer);
    }

    /** A string value, stored as UTF-8. @see #create */
    public static SharedValue<String> ofString(ZkClient client, String path) {
        return create(client, path, UTF8);
    }

    /** A raw value; arrays are copied on the way in and out. @see #create */
    public static SharedValue<byte[]> ofBytes(ZkClient client, String path) {
        return create(client, path, BYTES);
    }

    /** The value's node. */
    public String path() {
        return node.path();
    }

    /**
     * The current value and its version, read from the server this client talks to (one request),
     * or empty if the node does not exist.
     *
     * @throws ZkRecipeException     if the ensemble stays unreachable past the retry deadline
     * @throws IllegalStateException if this value or its client is closed
     * @throws RuntimeException      whatever the serializer throws for data it cannot read
     * @throws InterruptedException  if interrupted
     */
    public Optional<Versioned<T>> get() throws InterruptedException {
        requireOpen();
        Deadline deadline = deadline();
        return toValue(call("read", () -> read(deadline)));
    }

    /**
     * Writes {@code value} if the current version is {@code expectedVersion} ({@link #ABSENT}: if the
     * node does not exist, creating it). Costs one write, and one read first unless this object's
     * last read or write saw that version.
     *
     * @return whether the value was written; {@code false} if a read or the server showed another version
     * @throws IllegalArgumentException if {@code expectedVersion} is negative or the data is over the size limit
     * @throws OutcomeUnknownException  if a write's reply was lost and its outcome cannot be told
     * @throws ZkRecipeException        if the ensemble stays unreachable past the retry deadline
     * @throws IllegalStateException    if this value or its client is closed
     * @throws InterruptedException     if interrupted before the write was sent; once it is sent the call
     *                                  settles its outcome and returns with the interrupt flag set
     */
    public boolean trySet(long expectedVersion, T value) throws InterruptedException {
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expectedVersion must be a version (> 0) or ABSENT (0), was "
                    + expectedVersion);
        }
        byte[] data = encode(value);
        requireOpen();
        Deadline deadline = deadline();
        SharedNode.Seen base = expectedVersion == ABSENT ? null : baseFor(expectedVersion, deadline);
        if (expectedVersion != ABSENT && base == null) {
            return false;
        }
        return new ConditionalWrite(base, data, deadline).run();
    }

    /**
     * Writes {@code value} whatever the current version, creating the node if needed, and returns
     * the new version. A write repeated after a lost reply may leave one more version, of the same value.
     *
     * @throws IllegalArgumentException if the data is over the size limit
     * @throws ZkRecipeException        if the ensemble stays unreachable past the retry deadline
     * @throws IllegalStateException    if this value or its client is closed
     * @throws InterruptedException     if interrupted (the value may have been written)
     */
    public long set(T value) throws InterruptedException {
        byte[] data = encode(value);
        requireOpen();
        Deadline deadline = deadline();
        return call("write", () -> {
            try {
                return seen(deadline.join(node.setData(data, -1))).stat().getMzxid();
            } catch (KeeperException.NoNodeException missing) {
                try {
                    return seen(deadline.join(node.create(data))).stat().getMzxid();
                } catch (KeeperException.NodeExistsException raced) {
                    return seen(deadline.join(node.setData(data, -1))).stat().getMzxid();
                }
            }
        });
    }

    /**
     * Tells {@code listener} the value's states on a callback lane of its own (see the class comment).
     * Starts the watch if it is not running; each change then costs one read.
     *
     * @throws IllegalArgumentException if the listener was already added
     * @throws IllegalStateException    if this value or its client is closed
     */
    public void addListener(Listener<T> listener) {
        addListener(listener, null);
    }

    /** {@link #addListener(Listener)} on {@code executor}; states still arrive one at a time, in order. */
    public void addListener(Listener<T> listener, Executor executor) {
        Objects.requireNonNull(listener, "listener");
        requireOpen();
        Executor lane = executor == null ? session.newCallbackLane() : session.userLane(executor);
        Consumer<Optional<Versioned<T>>> wrapper = listener::valueChanged;
        if (listeners.putIfAbsent(listener, wrapper) != null) {
            throw new IllegalArgumentException("listener was already added");
        }
        node.subscribe(wrapper, lane);
    }

    /** Stops telling {@code listener}; nothing if it was not added. States already handed to it may still arrive. */
    public void removeListener(Listener<T> listener) {
        Consumer<Optional<Versioned<T>>> wrapper = listeners.remove(listener);
        if (wrapper != null) {
            node.unsubscribe(wrapper);
        }
    }

    /** Stops the listeners and the watch. Does not block. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            node.close();
        }
    }

    @Override
    public String toString() {
        return "SharedValue[" + path() + "]";
    }

    // ---- the conditional write ----

    /** The state with version {@code expected}: this object's latest if it is that one, else a read; null if another. */
    private SharedNode.Seen baseFor(long expected, Deadline deadline) throws InterruptedException {
        SharedNode.Seen known;
        synchronized (lock) {
            known = latest;
        }
        if (known == null || !known.exists() || known.stat().getMzxid() != expected) {
            known = call("read", () -> read(deadline));
        }
        return known.exists() && known.stat().getMzxid() == expected ? known : null;
    }

    /** One trySet: a conditional write, sent again while the node shows it was not applied. */
    private final class ConditionalWrite {
        private final SharedNode.Seen base; // null: create
        private final byte[] data;
        private final Deadline deadline;
        private boolean interrupted;
        private KeeperException lost;

        ConditionalWrite(SharedNode.Seen base, byte[] data, Deadline deadline) {
            this.base = base;
            this.data = data;
            this.deadline = deadline;
        }

        boolean run() {
            try {
                while (true) {
                    Optional<Boolean> outcome = attempt();
                    if (outcome.isPresent()) {
                        return outcome.get();
                    }
                    outcome = settle(readUninterruptibly());
                    if (outcome.isPresent()) {
                        return outcome.get();
                    }
                }
            } catch (KeeperException e) {
                throw lost != null ? unknown("the node could not be read before the retry deadline")
                        : new ZkRecipeException("write " + path(), e);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Sends the write: true or false if the server answered, empty if the reply was lost. */
        private Optional<Boolean> attempt() throws KeeperException {
            try {
                seen(deadline.join(base == null ? node.create(data) : node.setData(data, base.stat().getVersion())));
                return Optional.of(true);
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException
                    | KeeperException.NodeExistsException raced) {
                return Optional.of(false);
            } catch (KeeperException e) {
                if (!ZkClient.isRetryable(e.code()) && e.code() != Code.SESSIONEXPIRED) {
                    throw e;
                }
                lost = e;
            } catch (InterruptedException e) {
                interrupted = true; // the read that settles it is sent after the write, so it sees its outcome
                lost = KeeperException.create(Code.OPERATIONTIMEOUT, path());
            }
            return Optional.empty();
        }

        /** What {@code now} says about the write whose reply was lost; empty: not applied, send it again. */
        private Optional<Boolean> settle(SharedNode.Seen now) {
            if (base == null) {
                if (!now.exists()) {
                    return Optional.empty();
                }
                return now.stat().getVersion() == 0 ? Optional.of(Arrays.equals(now.data(), data)) : unknownNow();
            }
            if (!now.exists() || now.stat().getCzxid() != base.stat().getCzxid()) {
                return unknownNow();
            }
            int version = now.stat().getVersion();
            if (version == base.stat().getVersion()) {
                return Optional.empty();
            }
            return version == base.stat().getVersion() + 1 ? Optional.of(Arrays.equals(now.data(), data)) : unknownNow();
        }

        private Optional<Boolean> unknownNow() {
            throw unknown("the node was written again (or deleted) before it could be read");
        }

        private OutcomeUnknownException unknown(String why) {
            return new OutcomeUnknownException("trySet on " + path() + " may or may not have been applied: its reply"
                    + " was lost and " + why, lost);
        }

        private SharedNode.Seen readUninterruptibly() throws KeeperException {
            while (true) {
                try {
                    return session.retryThroughExpiry(deadline, () -> read(deadline));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
    }

    // ---- plumbing ----

    private SharedNode.Seen read(Deadline deadline) throws KeeperException, InterruptedException {
        return seen(deadline.join(node.read()));
    }

    /** Keeps the newest state seen, which maps a version back to ZooKeeper's data version. */
    private SharedNode.Seen seen(SharedNode.Seen s) {
        synchronized (lock) {
            if (s.exists() && (latest == null || !latest.exists() || s.stat().getMzxid() > latest.stat().getMzxid())) {
                latest = s;
            }
        }
        return s;
    }

    private interface Step<R> {
        R run() throws KeeperException, InterruptedException;
    }

    private <R> R call(String what, Step<R> step) throws InterruptedException {
        try {
            return session.retryThroughExpiry(deadline(), step::run);
        } catch (KeeperException e) {
            throw new ZkRecipeException(what + " " + path(), e);
        }
    }

    private Optional<Versioned<T>> decode(SharedNode.Seen seen) {
        return toValue(seen);
    }

    private Optional<Versioned<T>> toValue(SharedNode.Seen seen) {
        if (!seen.exists()) {
            return Optional.empty();
        }
        Stat stat = seen.stat();
        return Optional.of(new Versioned<>(serializer.deserialize(seen.data()), stat.getMzxid()));
    }

    private byte[] encode(T value) {
        Objects.requireNonNull(value, "value");
        byte[] data = Objects.requireNonNull(serializer.serialize(value), "serializer returned null for the value");
        if (data.length > session.maxDataBytes()) {
            throw new IllegalArgumentException("value is " + data.length + " bytes, over the limit of "
                    + session.maxDataBytes() + " bytes (jute.maxbuffer less room for the request header)");
        }
        return data;
    }

    private Deadline deadline() {
        return Deadline.after(session.settings().retryPolicy().deadline());
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("shared value " + path() + " is closed");
        }
        session.requireOpen();
    }
}
