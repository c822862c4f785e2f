package io.zkrecipes.config;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Live configuration under one root node, one child node per key, values as UTF-8 strings.
 *
 * <pre>{@code
 * ConfigStore store = ConfigStore.open(client, "/config/orders");
 * store.put("pool.size", "16");
 * try (ConfigSubscription s = store.subscribe(update -> reload(update.snapshot()))) { ... }
 * int size = store.getInt("pool.size", 8);
 * }</pre>
 *
 * <p><b>Reads.</b> While the store has a subscription it keeps a local cache fed by one persistent
 * recursive watch: {@code get}, {@link #snapshot()} and the typed reads then answer from it without
 * a request, keep answering with the last known values while disconnected, and see this store's own
 * writes as soon as those return. Without a subscription they read ZooKeeper. After a reconnection
 * or a session expiry the cache re-reads the root by itself and publishes exactly what differs,
 * comparing zxids, so a key deleted and created again meanwhile is seen.
 *
 * <p><b>Guarantees to subscribers.</b> Each {@link ConfigUpdate}'s snapshot is a state the
 * configuration really had; a transaction such as {@link #putAll} is never seen in part; per key,
 * values never go back; bursts may be coalesced, the latest value is always delivered.
 *
 * <p>Thread-safe. Keys must be one path segment: not empty, no {@code /}, not {@code .} or
 * {@code ..}. Blocking methods retry connection loss under the client's retry policy and then
 * throw {@link ZkRecipeException}; they throw {@link InterruptedException} when interrupted (a
 * write may still be applied). After {@link #close()} every method throws
 * {@link IllegalStateException}.
 */
public final class ConfigStore implements AutoCloseable {
    /** For {@link #compareAndSet}: the key must be absent. */
    public static final int ABSENT = -1;

    private final ZkClient client;
    private final String root;
    private final CacheControl cache;
    private final StoreReads reads;
    private final StoreWrites writes;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ConfigStore(ZkClient client, String root) {
        this.client = client;
        this.root = root;
        Nodes nodes = new Nodes(client, root);
        this.cache = new CacheControl(client, root);
        this.reads = new StoreReads(nodes, cache);
        this.writes = new StoreWrites(nodes, cache);
    }

    /**
     * A store over {@code root} (created on the first write, persistent, its parents as containers).
     * Sends nothing.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code root} is not a valid path or is {@code /}
     */
    public static ConfigStore open(ZkClient client, String root) {
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
        return putBytes(key, Values.encode(value));
    }

    /** {@link #put} with raw bytes. */
    public int putBytes(String key, byte[] value) throws InterruptedException {
        Values.checkKey(key);
        Values.checkSize(client, key, value);
        requireOpen();
        return writes.put(key, value);
    }

    /**
     * Writes all of {@code values} in one transaction: subscribers see all of them or none.
     * Keys not in the map are left as they are. Costs one request (plus one listing without a
     * subscription, or after a concurrent create or delete).
     */
    public void putAll(Map<String, String> values) throws InterruptedException {
        Map<String, byte[]> encoded = Values.encodeAll(client, values);
        requireOpen();
        if (encoded.isEmpty()) {
            return;
        }
        writes.putAll(encoded);
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
        Values.checkKey(key);
        byte[] data = Values.encode(value);
        Values.checkSize(client, key, data);
        if (expectedVersion < ABSENT) {
            throw new IllegalArgumentException("expectedVersion must be a version (>= 0) or ABSENT (-1), was "
                    + expectedVersion);
        }
        requireOpen();
        return writes.compareAndSet(key, expectedVersion, data);
    }

    /** Deletes {@code key}; returns whether it existed (after a connection loss, possibly {@code false}). */
    public boolean remove(String key) throws InterruptedException {
        Values.checkKey(key);
        requireOpen();
        return writes.remove(key);
    }

    /**
     * Reads properties (UTF-8, {@link java.util.Properties} syntax) from {@code in} and writes them
     * all in one {@link #putAll} transaction. Other keys are left as they are.
     *
     * @throws java.io.IOException      if {@code in} cannot be read
     * @throws IllegalArgumentException if a key is not a valid key (nothing is written)
     */
    public void importProperties(java.io.Reader in) throws java.io.IOException, InterruptedException {
        putAll(PropertiesFiles.read(Objects.requireNonNull(in, "in")));
    }

    /** Writes {@link #snapshot()} to {@code out} in {@link java.util.Properties} syntax, sorted by key. */
    public void exportProperties(java.io.Writer out) throws java.io.IOException, InterruptedException {
        PropertiesFiles.write(snapshot(), Objects.requireNonNull(out, "out"), root);
    }

    // ---- reads ----

    /** The value of {@code key}, if present. */
    public Optional<String> get(String key) throws InterruptedException {
        return entry(key).map(ConfigEntry::value);
    }

    /** The entry of {@code key} (value, version, zxids), if present. */
    public Optional<ConfigEntry> entry(String key) throws InterruptedException {
        Values.checkKey(key);
        requireOpen();
        return reads.entry(key);
    }

    /** Every key and value, as an immutable map. */
    public Map<String, String> snapshot() throws InterruptedException {
        requireOpen();
        return reads.snapshot();
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

    private <T> T typed(String key, Values.Parser<T> parser, T defaultValue) throws InterruptedException {
        Optional<String> value = get(key);
        return value.isPresent() ? parser.parse(key, value.get()) : defaultValue;
    }

    // ---- subscriptions ----

    /** {@link #subscribe(ConfigListener, Executor)} on the store's own listener threads. */
    public ConfigSubscription subscribe(ConfigListener listener) throws InterruptedException {
        return subscribe(listener, cache.delivery());
    }

    /**
     * Delivers the current configuration to {@code listener}, then every change, on
     * {@code executor} (one call at a time). The first subscription sets the store's watch and
     * reads the root, blocking until done; later ones share it and cost no request. Survives
     * SUSPENDED (keeps the last values), reconnection and session expiry (resyncs by itself).
     *
     * @throws ZkRecipeException if the first read fails past the retry policy
     */
    public ConfigSubscription subscribe(ConfigListener listener, Executor executor) throws InterruptedException {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(executor, "executor");
        return cache.subscribe(listener, executor, this::requireOpen);
    }

    /** Closes every subscription and removes the store's watch. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        cache.close();
    }

    @Override
    public String toString() {
        return "ConfigStore[" + root + (cache.cached() ? ", cached" : "") + (closed.get() ? ", closed" : "") + "]";
    }

    // ---- helpers ----

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("config store " + root + " is closed");
        }
    }
}
