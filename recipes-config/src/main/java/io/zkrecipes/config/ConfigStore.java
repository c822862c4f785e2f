package io.zkrecipes.config;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.state.NodeState;
import io.zkrecipes.state.TreeTooLargeException;
import io.zkrecipes.state.TreeWatcher;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.KeeperException;

/**
 * Live configuration under one root node, one child node per key, values as UTF-8 strings or raw
 * bytes.
 *
 * <pre>{@code
 * ConfigStore store = ConfigStore.create(client, "/config/orders");
 * store.put("pool.size", "16");
 * try (ConfigSubscription s = store.subscribe(update -> reload(update.snapshot()))) { ... }
 * int size = store.getInt("pool.size", 8);
 * }</pre>
 *
 * <p><b>Reads.</b> While the store has a subscription it keeps a local cache, a {@link TreeWatcher}
 * of the root and its children fed by one persistent recursive watch: {@code get},
 * {@link #snapshot()} and the typed reads then answer from it without a request, and see this
 * store's own writes as soon as those return. Without a subscription they read ZooKeeper. The cache
 * holds at most {@link TreeWatcher#DEFAULT_MAX_NODES} nodes (the root included): a configuration
 * with more keys cannot be subscribed to ({@link TreeTooLargeException}).
 *
 * <p><b>Connection states.</b> While {@code SUSPENDED} the cache keeps answering with the last
 * values it published. After a reconnection or a session expiry ({@code LOST}) it re-reads the
 * root by itself and publishes exactly what differs, comparing zxids, so a key deleted and created
 * again meanwhile is seen. A write whose cache could not catch up before the connection dropped
 * returns all the same (it was applied); reads show it once the cache has re-read the root.
 *
 * <p><b>Keys this client may not read.</b> A key whose ACL denies this client READ is left out of
 * the cache as if it were absent (a warning is logged once per key): {@code get} answers empty,
 * {@code snapshot} and subscribers do not see it, and the other keys are published as usual. A key
 * whose ACL is changed to deny READ while cached keeps its last value until the next resync. Reads
 * without a subscription throw {@link ZkRecipeException} ({@code NOAUTH}) instead.
 *
 * <p><b>Guarantees to subscribers.</b> Each {@link ConfigUpdate}'s snapshot is a state the
 * configuration really had (leaving out keys this client may not read); a transaction such as
 * {@link #putAll} is never seen in part; per key, values never go back; bursts may be coalesced,
 * and the latest value is always delivered, under sustained writes too.
 *
 * <p>Thread-safe. Keys must be one path segment: not empty, no {@code /}, not {@code .} or
 * {@code ..}. Blocking methods retry connection loss through the client's retry policy and throw
 * {@link ZkRecipeException} once its deadline has passed; they throw {@link InterruptedException}
 * when interrupted (a write may still be applied). After {@link #close()} every method throws
 * {@link IllegalStateException}; a call blocked by an outage then ends with it at once, or at its
 * next attempt if it is pausing between two (within the policy's longest pause). Closing the client
 * ends every blocked call with {@link IllegalStateException} too.
 */
public final class ConfigStore implements AutoCloseable {
    /** For {@link #compareAndSet}: the key must be absent. */
    public static final int ABSENT = -1;

    /** The cache's snapshot as configuration: built once per published snapshot, shared by every reader. */
    record View(Map<String, NodeState> source, Map<String, ConfigEntry> entries, Map<String, String> values) {
    }

    private final ZkClient client;
    private final Session session;
    private final String root;
    private final String prefix;
    private final Nodes nodes;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object lifecycle = new Object();
    private final Set<Subscriber> subscribers = new HashSet<>(); // guarded by lifecycle
    private volatile TreeWatcher cache; // set under lifecycle once initialized, while there are subscriptions
    private volatile TreeWatcher loading; // the cache while the first subscription waits for it
    private volatile View view = new View(Map.of(), Map.of(), Map.of());

    private ConfigStore(ZkClient client, String root) {
        this.client = client;
        this.session = Session.of(client);
        this.root = root;
        this.prefix = root + "/";
        this.nodes = new Nodes(session, root, this::requireOpen);
    }

    /**
     * A store over {@code root} (created on the first write, persistent, its parents as containers).
     * Sends nothing and registers nothing.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code root} is not a valid path or is {@code /}
     */
    public static ConfigStore create(ZkClient client, String root) {
        Objects.requireNonNull(client, "client");
        ZkPaths.validate(root, "root");
        if (root.equals("/")) {
            throw new IllegalArgumentException("root must not be '/': give the configuration its own node");
        }
        return new ConfigStore(client, root);
    }

    /** The root node. */
    public String root() {
        return root;
    }

    // ---- writes ----

    /** Sets {@code key} to {@code value}, creating it if needed; returns the entry's new data version. */
    public int put(String key, String value) throws InterruptedException {
        return write(key, encode(value));
    }

    /** {@link #put} with raw bytes (copied). */
    public int putBytes(String key, byte[] value) throws InterruptedException {
        return write(key, Objects.requireNonNull(value, "value").clone());
    }

    private int write(String key, byte[] value) throws InterruptedException {
        checkKey(key);
        checkSize(key, value);
        requireOpen();
        // why create first when the cache lacks the key: a new key then costs one request, not two
        View cached = cachedView();
        boolean likelyAbsent = cached != null && !cached.entries().containsKey(key);
        int version = nodes.put(key, value, likelyAbsent).getVersion();
        awaitOwnWrite();
        return version;
    }

    /**
     * Writes all of {@code values} in one transaction: subscribers see all of them or none.
     * Keys not in the map are left as they are. Costs one request (plus one listing without a
     * subscription, or after a concurrent create or delete).
     */
    public void putAll(Map<String, String> values) throws InterruptedException {
        Map<String, byte[]> encoded = encodeAll(values);
        requireOpen();
        if (encoded.isEmpty()) {
            return;
        }
        View cached = cachedView();
        nodes.putAll(encoded, cached == null ? null : cached.entries().keySet()); // why: no listing before the multi
        awaitOwnWrite();
    }

    /**
     * Writes {@code value} only if the key's data version is {@code expectedVersion}, or, with
     * {@link #ABSENT}, only if the key does not exist. Versions restart at 0 when a key is deleted
     * and created again; check {@link ConfigEntry#czxid()} when that matters. After a connection
     * loss the answer may be {@code false} although the write was applied: read the entry to tell.
     *
     * @return whether the value was written
     */
    public boolean compareAndSet(String key, int expectedVersion, String value) throws InterruptedException {
        checkKey(key);
        byte[] data = encode(value);
        checkSize(key, data);
        if (expectedVersion < ABSENT) {
            throw new IllegalArgumentException("expectedVersion must be a version (>= 0) or ABSENT (-1), was "
                    + expectedVersion);
        }
        requireOpen();
        boolean written = nodes.compareAndSet(key, expectedVersion, data);
        awaitOwnWrite();
        return written;
    }

    /** Deletes {@code key}; returns whether it existed (after a connection loss, possibly {@code false}). */
    public boolean remove(String key) throws InterruptedException {
        checkKey(key);
        requireOpen();
        boolean removed = nodes.remove(key);
        awaitOwnWrite();
        return removed;
    }

    /**
     * Reads properties (UTF-8, {@link Properties} syntax) from {@code in} and writes them all in one
     * {@link #putAll} transaction. Other keys are left as they are.
     *
     * @throws IOException              if {@code in} cannot be read
     * @throws IllegalArgumentException if a key is not a valid key (nothing is written)
     */
    public void importProperties(Reader in) throws IOException, InterruptedException {
        Properties p = new Properties();
        p.load(Objects.requireNonNull(in, "in"));
        Map<String, String> values = new HashMap<>();
        p.stringPropertyNames().forEach(name -> values.put(name, p.getProperty(name)));
        putAll(values);
    }

    /** Writes {@link #snapshot()} to {@code out} in {@link Properties} syntax, sorted by key. */
    public void exportProperties(Writer out) throws IOException, InterruptedException {
        Objects.requireNonNull(out, "out");
        Properties sorted = new Properties() {
            private static final long serialVersionUID = 1L;

            @Override
            public Set<Map.Entry<Object, Object>> entrySet() { // Properties.store writes in this order
                Set<Map.Entry<Object, Object>> entries = new TreeSet<>((a, b) ->
                        ((String) a.getKey()).compareTo((String) b.getKey()));
                entries.addAll(super.entrySet());
                return Collections.unmodifiableSet(entries);
            }
        };
        sorted.putAll(snapshot());
        sorted.store(out, "configuration under " + root);
    }

    // ---- reads ----

    /** The value of {@code key} decoded as UTF-8, if present. */
    public Optional<String> get(String key) throws InterruptedException {
        return entry(key).map(ConfigEntry::value);
    }

    /** A copy of the raw value of {@code key}, if present. */
    public Optional<byte[]> getBytes(String key) throws InterruptedException {
        return entry(key).map(ConfigEntry::bytes);
    }

    /** The entry of {@code key} (value, version, zxids), if present. */
    public Optional<ConfigEntry> entry(String key) throws InterruptedException {
        checkKey(key);
        requireOpen();
        View cached = cachedView();
        return Optional.ofNullable(cached != null ? cached.entries().get(key) : nodes.read(key));
    }

    /** Every key and value, as an immutable map. */
    public Map<String, String> snapshot() throws InterruptedException {
        requireOpen();
        View cached = cachedView();
        return cached != null ? cached.values() : valuesOf(nodes.readAll());
    }

    /** The int at {@code key}, or {@code defaultValue} if absent; {@link ConfigFormatException} if malformed. */
    public int getInt(String key, int defaultValue) throws InterruptedException {
        return typed(key, TypedValues::parseInt, defaultValue);
    }

    /** The long at {@code key}, or {@code defaultValue} if absent; {@link ConfigFormatException} if malformed. */
    public long getLong(String key, long defaultValue) throws InterruptedException {
        return typed(key, TypedValues::parseLong, defaultValue);
    }

    /** The finite double at {@code key}, or {@code defaultValue} if absent; {@link ConfigFormatException} if malformed. */
    public double getDouble(String key, double defaultValue) throws InterruptedException {
        return typed(key, TypedValues::parseDouble, defaultValue);
    }

    /** {@code true}/{@code false} (any case) at {@code key}, or {@code defaultValue} if absent. */
    public boolean getBoolean(String key, boolean defaultValue) throws InterruptedException {
        return typed(key, TypedValues::parseBoolean, defaultValue);
    }

    /**
     * The duration at {@code key} ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d} or
     * ISO-8601 like {@code PT30S}), or {@code defaultValue} if absent.
     */
    public Duration getDuration(String key, Duration defaultValue) throws InterruptedException {
        return typed(key, TypedValues::parseDuration, defaultValue);
    }

    private <T> T typed(String key, TypedValues.Parser<T> parser, T defaultValue) throws InterruptedException {
        Optional<String> value = get(key);
        return value.isPresent() ? parser.parse(key, value.get()) : defaultValue;
    }

    // ---- subscriptions ----

    /** {@link #subscribe(ConfigListener, Executor)} on a callback lane of the client's own. */
    public ConfigSubscription subscribe(ConfigListener listener) throws InterruptedException {
        Objects.requireNonNull(listener, "listener");
        return subscribe(listener, session.newCallbackLane());
    }

    /**
     * Delivers the current configuration to {@code listener}, then every change, on
     * {@code executor} (one call at a time, in order, never on ZooKeeper's threads). The first
     * subscription sets the store's watch and reads the root, blocking until done; later ones
     * share it and cost no request. Survives {@code SUSPENDED} (keeps the last values),
     * reconnection and session expiry (resyncs by itself).
     *
     * @throws ZkRecipeException     if the first read fails, or the ensemble stays unreachable past the retry deadline
     * @throws TreeTooLargeException if the configuration has more keys than the cache holds
     * @throws IllegalStateException if the store is closed (also while the first read is under way)
     */
    public ConfigSubscription subscribe(ConfigListener listener, Executor executor) throws InterruptedException {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(executor, "executor");
        synchronized (lifecycle) {
            requireOpen();
            if (cache == null) {
                cache = load();
            }
            Subscriber s = new Subscriber(this, listener);
            subscribers.add(s);
            cache.addListener(s, executor);
            return s;
        }
    }

    /** Closes every subscription and removes the store's watch. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            nodes.close(); // calls waiting for a reply see the close now
            TreeWatcher first = loading;
            if (first != null) {
                first.close(); // a first subscribe waiting for the cache sees it too
            }
            synchronized (lifecycle) {
                subscribers.forEach(Subscriber::markClosed);
                subscribers.clear();
                stopCache();
            }
        }
    }

    @Override
    public String toString() {
        return "ConfigStore[" + root + (cache != null ? ", cached" : "") + (closed.get() ? ", closed" : "") + "]";
    }

    // ---- the cache, run while there are subscriptions ----

    /** Starts the cache and waits until it has read the root, within the retry policy's deadline. Under lifecycle. */
    private TreeWatcher load() throws InterruptedException {
        TreeWatcher w = TreeWatcher.builder(client, root).maxDepth(1).build();
        loading = w;
        try {
            requireOpen();
            w.start();
            Duration policy = session.settings().retryPolicy().deadline();
            Duration wait = policy.isZero() ? Duration.ofNanos(session.sessionTimeoutNanos()) : policy;
            if (!w.awaitInitialized(wait)) {
                throw new ZkRecipeException("subscribe to the configuration",
                        KeeperException.create(KeeperException.Code.CONNECTIONLOSS, root));
            }
            return w;
        } catch (InterruptedException | RuntimeException e) {
            w.close();
            throw e;
        } finally {
            loading = null;
        }
    }

    void unsubscribed(Subscriber s) {
        synchronized (lifecycle) {
            TreeWatcher c = cache;
            if (subscribers.remove(s) && c != null) {
                c.removeListener(s);
                if (subscribers.isEmpty()) {
                    stopCache();
                }
            }
        }
    }

    /** Closes the cache, which removes the watch (waiting for the server's answer while connected). */
    private void stopCache() {
        TreeWatcher c = cache;
        cache = null;
        if (c != null) {
            c.close();
        }
    }

    /** Lets the cache catch up with a write that returned, so that reads see it; the write is applied whatever happens. */
    private void awaitOwnWrite() throws InterruptedException {
        TreeWatcher c = cache;
        if (c != null) {
            try {
                c.awaitCaughtUp(Duration.ofNanos(session.sessionTimeoutNanos()));
            } catch (IllegalStateException stopped) {
                // the cache or the client closed meanwhile: nothing to catch up with
            }
        }
    }

    /** The cache's view, or {@code null} without a running cache: read ZooKeeper. */
    private View cachedView() {
        TreeWatcher c = cache;
        return c == null ? null : viewOf(c.snapshot());
    }

    /** The configuration in a snapshot of the cache: the root's children, by key. */
    View viewOf(Map<String, NodeState> snapshot) {
        View v = view;
        if (v.source() == snapshot) {
            return v;
        }
        Map<String, ConfigEntry> entries = new HashMap<>(snapshot.size() * 2);
        snapshot.values().forEach(s -> {
            String key = keyOf(s.path());
            if (key != null) {
                entries.put(key, new ConfigEntry(key, s.data(), s.version(), s.czxid(), s.mzxid()));
            }
        });
        v = new View(snapshot, Map.copyOf(entries), valuesOf(entries));
        view = v;
        return v;
    }

    /** The key a cached path stands for, or {@code null} for the root. */
    String keyOf(String path) {
        return path.startsWith(prefix) ? path.substring(prefix.length()) : null;
    }

    private static Map<String, String> valuesOf(Map<String, ConfigEntry> entries) {
        Map<String, String> values = new HashMap<>(entries.size() * 2);
        entries.forEach((k, e) -> values.put(k, e.value()));
        return Map.copyOf(values);
    }

    // ---- argument checks, before anything is sent ----

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("config store " + root + " is closed");
        }
    }

    private static String checkKey(String key) {
        return ZkPaths.validateSegment(key, "key");
    }

    private static byte[] encode(String value) {
        return Objects.requireNonNull(value, "value").getBytes(StandardCharsets.UTF_8);
    }

    private void checkSize(String key, byte[] value) {
        if (value.length > session.maxDataBytes()) {
            throw new IllegalArgumentException("value of key '" + key + "' is " + value.length
                    + " bytes, over the limit of " + session.maxDataBytes() + " bytes (jute.maxbuffer less room"
                    + " for the request header)");
        }
    }

    /** Checks every key and value of a putAll, and that the whole transaction fits in one request. */
    private Map<String, byte[]> encodeAll(Map<String, String> values) {
        Objects.requireNonNull(values, "values");
        Map<String, byte[]> encoded = new HashMap<>();
        long total = 0;
        for (Map.Entry<String, String> e : values.entrySet()) {
            checkKey(e.getKey());
            byte[] data = Objects.requireNonNull(e.getValue(), "value of key '" + e.getKey() + "'")
                    .getBytes(StandardCharsets.UTF_8);
            checkSize(e.getKey(), data);
            total += data.length + e.getKey().length() + 64; // path and per-operation overhead
            encoded.put(e.getKey(), data);
        }
        if (total > session.maxDataBytes()) {
            throw new IllegalArgumentException("values add up to about " + total + " bytes, over the limit of "
                    + session.maxDataBytes() + " bytes for one transaction; split them");
        }
        return encoded;
    }
}
