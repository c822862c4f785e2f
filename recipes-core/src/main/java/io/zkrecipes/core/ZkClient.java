package io.zkrecipes.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection every recipe uses: owns a ZooKeeper session at a time, reports its
 * {@link ConnectionState}s in order, opens a new session by itself after one expires, retries
 * operations lost to connection problems, and gives recipes pipelined asynchronous requests.
 *
 * <pre>{@code
 * try (ZkClient client = ZkClient.builder("zk1:2181,zk2:2181,zk3:2181").namespace("orders").build()) {
 *     client.start();
 *     client.awaitConnected(Duration.ofSeconds(10));
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. Every method but {@link #close()} throws {@link IllegalStateException} after close.
 */
public final class ZkClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ZkClient.class);
    private static final int DEFAULT_JUTE_MAXBUFFER = 0xfffff;
    private static final int REQUEST_HEADER_ROOM = 1024;

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private final Settings settings;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final StateDispatcher dispatcher = new StateDispatcher(this);
    private final SessionKeeper sessions;
    private final RetryLoop retryLoop;
    private final RequestStats stats = new RequestStats();
    private final AsyncOps async;
    private final ExecutorService background;
    private final int maxDataBytes;
    private volatile ConnectionState state;

    private ZkClient(Settings settings) {
        this.settings = settings;
        this.sessions = new SessionKeeper(settings, this::stateChanged);
        this.retryLoop = new RetryLoop(settings.retryPolicy(), sessions, this::isClosed);
        this.async = new AsyncOps(this, stats, new NamespaceCreator(settings, this));
        this.background = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "zk-recipes-background");
            t.setDaemon(true);
            return t;
        });
        int juteMax = settings.clientConfig().getInt("jute.maxbuffer", DEFAULT_JUTE_MAXBUFFER);
        this.maxDataBytes = juteMax - REQUEST_HEADER_ROOM;
    }

    /** A builder for a client of the ensemble at {@code connectString} ({@code host:port,host:port}). */
    public static Builder builder(String connectString) {
        return new Builder(connectString);
    }

    /** Opens the first session; does not wait for it (see {@link #awaitConnected}). */
    public void start() {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("client was already started" + (isClosed() ? " and closed" : ""));
        }
        sessions.open();
    }

    /** Waits until connected; returns {@code false} if {@code timeout} passed first. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        RetryPolicy.requirePositive(timeout, "timeout");
        requireStarted();
        return sessions.awaitConnected(timeout.toNanos());
    }

    /**
     * Runs {@code call}, retrying it under the {@link RetryPolicy} while it fails with connection
     * loss or an operation timeout; between attempts waits for the connection to come back. Any
     * other failure (session expiry, authentication, no node, node exists, bad version...) is
     * thrown at once, and so is the last failure once the policy's deadline has passed.
     */
    public <T> T retry(ZkCall<T> call) throws KeeperException, InterruptedException {
        return retryThroughExpiry(call, false);
    }

    /**
     * {@link #retry}, which also retries after a session expiry, once the new session is up: for
     * idempotent work on persistent nodes, which outlive the session (queues, counters). Never use
     * it for work that relies on the old session's ephemeral nodes or watches.
     */
    public <T> T retryThroughExpiry(ZkCall<T> call) throws KeeperException, InterruptedException {
        return retryThroughExpiry(call, true);
    }

    /** {@link #retry}, which with {@code expiryToo} also waits for a new session after an expiry. */
    <T> T retryThroughExpiry(ZkCall<T> call, boolean expiryToo) throws KeeperException, InterruptedException {
        Objects.requireNonNull(call, "call");
        requireStarted();
        return retryLoop.run(call, expiryToo);
    }

    /** Whether {@link #retry} retries a failure with this code. */
    public static boolean isRetryable(KeeperException.Code code) {
        return code == KeeperException.Code.CONNECTIONLOSS || code == KeeperException.Code.OPERATIONTIMEOUT;
    }

    /** Pipelined asynchronous requests on the current session. */
    public AsyncOps async() {
        requireStarted();
        return async;
    }

    /** The last state delivered, or {@code null} before the first connection. */
    public ConnectionState state() {
        return state;
    }

    /** Whether requests can be sent right now. */
    public boolean isConnected() {
        return sessions.isConnected();
    }

    /** The current session's id, or 0 before the first connection. It changes after {@link ConnectionState#LOST}. */
    public long sessionId() {
        ZooKeeper zk = sessions.handle();
        return zk == null || state == null ? 0 : zk.getSessionId();
    }

    /** The raw handle of the current session, for what this library does not wrap. It changes after LOST. */
    public ZooKeeper unwrap() {
        requireStarted();
        return sessions.handle();
    }

    /** Listens on the client's event thread. */
    public void addListener(ConnectionStateListener listener) {
        dispatcher.add(listener, null);
    }

    /** Listens on {@code executor}; states still arrive one at a time, in order. */
    public void addListener(ConnectionStateListener listener, Executor executor) {
        dispatcher.add(listener, Objects.requireNonNull(executor, "executor"));
    }

    public void removeListener(ConnectionStateListener listener) {
        dispatcher.remove(listener);
    }

    /** Counters of the requests sent so far. */
    public RequestStats requestStats() {
        return stats;
    }

    /** The ACL this client gives a new node at {@code path}. */
    public List<ACL> aclFor(String path) {
        return settings.aclProvider().aclFor(path);
    }

    /** The largest node data accepted before anything is sent. */
    public int maxDataBytes() {
        return maxDataBytes;
    }

    public String connectString() {
        return settings.connectString();
    }

    /** The namespace every path lives under, or {@code null}. */
    public String namespace() {
        return settings.namespace();
    }

    public Duration sessionTimeout() {
        return settings.sessionTimeout();
    }

    /** Closes the session (its ephemeral nodes go with it) and delivers {@link ConnectionState#CLOSED}. Idempotent. */
    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        try {
            sessions.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        state = ConnectionState.CLOSED;
        dispatcher.closeAfter(ConnectionState.CLOSED);
        background.shutdown();
    }

    public boolean isClosed() {
        return lifecycle.get() == Lifecycle.CLOSED;
    }

    @Override
    public String toString() {
        return "ZkClient[" + settings + ", session=0x" + Long.toHexString(sessionId()) + ", state=" + state + "]";
    }

    ZooKeeper liveHandle() {
        requireStarted();
        return sessions.handle();
    }

    Executor backgroundExecutor() {
        return background;
    }

    private void stateChanged(ConnectionState newState) {
        state = newState;
        log.info("ZooKeeper connection {} ({})", newState, settings.connectString());
        dispatcher.publish(newState);
    }

    private void requireStarted() {
        Lifecycle now = lifecycle.get();
        if (now != Lifecycle.STARTED) {
            throw new IllegalStateException(now == Lifecycle.CLOSED ? "client is closed" : "client is not started");
        }
    }

    /** Collects and checks a client's settings; each setter rejects bad input at once. */
    public static final class Builder {
        private final String connectString;
        private Duration sessionTimeout = Duration.ofSeconds(30);
        private Duration connectionTimeout = Duration.ofSeconds(15);
        private String namespace;
        private String user;
        private String password;
        private AclProvider aclProvider;
        private RetryPolicy retryPolicy = RetryPolicy.defaultPolicy();
        private ZKClientConfig clientConfig;

        private Builder(String connectString) {
            Objects.requireNonNull(connectString, "connectString");
            if (connectString.isBlank() || connectString.contains("/")) {
                throw new IllegalArgumentException("connectString must be host:port[,host:port...] without a"
                        + " chroot (use namespace()), was '" + connectString + "'");
            }
            this.connectString = connectString;
        }

        /** Session timeout asked of the server (default 30 s; the server may clamp it). */
        public Builder sessionTimeout(Duration timeout) {
            RetryPolicy.requirePositive(timeout, "sessionTimeout");
            this.sessionTimeout = timeout;
            return this;
        }

        /** How long the namespace's creation waits for its own connection (default 15 s). */
        public Builder connectionTimeout(Duration timeout) {
            RetryPolicy.requirePositive(timeout, "connectionTimeout");
            this.connectionTimeout = timeout;
            return this;
        }

        /** A root under which every path lives, like {@code "orders"} or {@code "apps/orders"}. */
        public Builder namespace(String namespace) {
            Objects.requireNonNull(namespace, "namespace");
            ZkPaths.validate("/" + namespace, "namespace");
            if (namespace.isEmpty() || namespace.endsWith("/")) {
                throw new IllegalArgumentException("namespace must be like 'a' or 'a/b', was '" + namespace + "'");
            }
            this.namespace = namespace;
            return this;
        }

        /** Digest credentials; with them the default ACL becomes {@link AclProvider#creatorAll()}. */
        public Builder authorization(String user, String password) {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (user.isEmpty() || user.contains(":")) {
                throw new IllegalArgumentException("user must be non-empty and contain no ':'");
            }
            this.user = user;
            this.password = password;
            return this;
        }

        public Builder aclProvider(AclProvider provider) {
            this.aclProvider = Objects.requireNonNull(provider, "aclProvider");
            return this;
        }

        public Builder retryPolicy(RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy, "retryPolicy");
            return this;
        }

        /** ZooKeeper client settings passed through as they are: TLS, SASL, jute.maxbuffer... */
        public Builder clientConfig(ZKClientConfig config) {
            this.clientConfig = Objects.requireNonNull(config, "clientConfig");
            return this;
        }

        public ZkClient build() {
            AclProvider acl = aclProvider != null ? aclProvider
                    : user != null ? AclProvider.creatorAll() : AclProvider.worldOpen();
            ZKClientConfig config = clientConfig != null ? clientConfig : new ZKClientConfig();
            return new ZkClient(new Settings(connectString, sessionTimeout, connectionTimeout, namespace, user,
                    password, acl, retryPolicy, config));
        }
    }
}
