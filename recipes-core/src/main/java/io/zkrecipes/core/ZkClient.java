package io.zkrecipes.core;

import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection every recipe uses: owns a ZooKeeper session at a time, reports its
 * {@link ConnectionState}s in order, opens a new session by itself after one expires, and
 * decides once, for every recipe on it, whether the session is live.
 *
 * <pre>{@code
 * try (ZkClient client = ZkClient.builder("zk1:2181,zk2:2181,zk3:2181").namespace("orders").build()) {
 *     client.start();
 *     client.awaitConnected();   // at most the connection timeout
 *     ...
 * }
 * }</pre>
 *
 * <p>The session is <em>live</em> while connected and while disconnected for less than the
 * negotiated session timeout. After that the client takes the session as expired without waiting
 * for a server to say so (no server can, until the connection returns): it reports {@link
 * ConnectionState#LOST}, {@link #sessionId()} reads 0, every lease and leadership of the session
 * ends, and a new session is opened. An authentication failure, which kills ZooKeeper's handle, is
 * handled the same way.
 *
 * <p>Thread-safe. Every method but {@link #close()} throws {@link IllegalStateException} after close.
 */
public final class ZkClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ZkClient.class);

    static {
        Session.bindAccess(client -> client.session);
    }

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private final Settings settings;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final RequestStats stats = new RequestStats();
    private final Session session;
    private volatile ConnectionState state;

    private ZkClient(Settings settings) {
        this.settings = settings;
        this.session = new Session(this, settings, stats::record, this::stateChanged);
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
        session.open();
    }

    /**
     * Waits until connected, at most the builder's {@code connectionTimeout}.
     *
     * @throws ZkRecipeException    (CONNECTIONLOSS) if no server could be reached in that time
     * @throws InterruptedException if interrupted
     */
    public void awaitConnected() throws InterruptedException {
        if (!awaitConnected(settings.connectionTimeout())) {
            throw new ZkRecipeException("could not connect to " + settings.connectString() + " within "
                    + settings.connectionTimeout(), KeeperException.create(KeeperException.Code.CONNECTIONLOSS));
        }
    }

    /** Waits until connected; returns {@code false} if {@code timeout} passed first. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        Require.positive(timeout, "timeout");
        requireStarted();
        return session.awaitConnected(timeout.toNanos());
    }

    /**
     * Runs {@code call}, retrying it with the {@link RetryPolicy}'s backoff while it fails with
     * connection loss or an operation timeout, until the policy's deadline. Any other failure
     * (session expiry, authentication, no node, node exists, bad version...) is thrown at once,
     * and so is the last failure once the deadline has passed. Keep {@code call} idempotent.
     */
    public <T> T retry(ZkCall<T> call) throws KeeperException, InterruptedException {
        Objects.requireNonNull(call, "call");
        requireStarted();
        return session.retry(Deadline.none(), call);
    }

    /** Whether {@link #retry} retries a failure with this code. */
    public static boolean isRetryable(KeeperException.Code code) {
        return code == KeeperException.Code.CONNECTIONLOSS || code == KeeperException.Code.OPERATIONTIMEOUT;
    }

    /** The last state delivered, or {@code null} before the first connection. */
    public ConnectionState state() {
        return state;
    }

    /** Whether requests can be sent right now. */
    public boolean isConnected() {
        return session.isConnected();
    }

    /**
     * Whether the current session is live: connected, or disconnected for less than the
     * negotiated session timeout. From then on (and after expiry, a failed authentication or
     * close) ephemeral nodes, locks and leadership of the session must be taken as gone, even
     * before a server can confirm it; the client opens a new session by itself.
     */
    public boolean isLive() {
        return session.isLive();
    }

    /** The live session's id, or 0 when no session is live (see {@link #isLive()}). It changes after {@link ConnectionState#LOST}. */
    public long sessionId() {
        return session.sessionId();
    }

    /** The current session's password (with {@link #sessionId()} it identifies the session), or {@code null} before it opened. */
    public byte[] sessionPassword() {
        requireStarted();
        return session.sessionPassword();
    }

    /** The session timeout the servers granted, or the one asked for before the first connection. */
    public Duration negotiatedSessionTimeout() {
        return Duration.ofNanos(session.sessionTimeoutNanos());
    }

    /** The raw handle of the current session, for what this library does not wrap. It changes after LOST. */
    public ZooKeeper unwrap() {
        requireStarted();
        return session.rawHandle();
    }

    /**
     * Listens to state changes. The listener runs off the client's threads, one state at a time
     * and in order; a slow listener delays no other listener and no recipe.
     */
    public void addListener(ConnectionStateListener listener) {
        session.addUserListener(Objects.requireNonNull(listener, "listener"), null);
    }

    /**
     * Listens on {@code executor}; states still arrive one at a time, in order. The executor is
     * never called on the client's own threads, so even a direct one ({@code Runnable::run})
     * delays no other listener and no recipe.
     */
    public void addListener(ConnectionStateListener listener, Executor executor) {
        session.addUserListener(Objects.requireNonNull(listener, "listener"), Objects.requireNonNull(executor, "executor"));
    }

    /** Stops delivering states to {@code listener}; nothing if it was not added. */
    public void removeListener(ConnectionStateListener listener) {
        session.removeListener(listener);
    }

    /**
     * Tells {@code listener} what the recipes on this client do, and every state change, on a
     * callback lane of its own: events arrive one at a time and in order, and a slow or failing
     * listener delays no recipe and no other listener (see {@link RecipeEvents}). For metrics, logs
     * and tracing; several listeners may be added.
     */
    public void addEventListener(RecipeEvents listener) {
        session.addEventListener(Objects.requireNonNull(listener, "listener"), null);
    }

    /** {@link #addEventListener(RecipeEvents)} on {@code executor}; events still arrive one at a time, in order. */
    public void addEventListener(RecipeEvents listener, Executor executor) {
        session.addEventListener(Objects.requireNonNull(listener, "listener"), Objects.requireNonNull(executor, "executor"));
    }

    /** Stops telling {@code listener}; events already handed to its lane are still delivered. */
    public void removeEventListener(RecipeEvents listener) {
        session.removeEventListener(listener);
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
        return settings.maxDataBytes();
    }

    /** The ensemble this client connects to, as given to the builder. */
    public String connectString() {
        return settings.connectString();
    }

    /** The namespace every path lives under, or {@code null}. */
    public String namespace() {
        return settings.namespace();
    }

    /** The session timeout asked of the servers (see {@link #negotiatedSessionTimeout()}). */
    public Duration sessionTimeout() {
        return settings.sessionTimeout();
    }

    /**
     * Closes the session (its ephemeral nodes go with it) and delivers {@link ConnectionState#CLOSED}.
     * Every thread blocked in a recipe call on this client returns with an {@link IllegalStateException}.
     * Idempotent.
     */
    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        try {
            session.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return lifecycle.get() == Lifecycle.CLOSED;
    }

    @Override
    public String toString() {
        return "ZkClient[" + settings + ", session=0x" + Long.toHexString(sessionId()) + ", state=" + state + "]";
    }

    private void stateChanged(ConnectionState newState) {
        state = newState;
        log.info("ZooKeeper connection {} ({})", newState, settings.connectString());
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
            Require.positive(timeout, "sessionTimeout");
            this.sessionTimeout = timeout;
            return this;
        }

        /**
         * How long to wait for a connection to be established (default 15 s): what {@link
         * ZkClient#awaitConnected()} waits at most, and what the namespace's creation waits for its
         * own short-lived connection. It does not bound operations (their timeouts do) nor the
         * session (see {@link #sessionTimeout}).
         */
        public Builder connectionTimeout(Duration timeout) {
            Require.positive(timeout, "connectionTimeout");
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

        /** The ACLs of the nodes the recipes create (default: open to all, or creator-only with {@link #authorization}). */
        public Builder aclProvider(AclProvider provider) {
            this.aclProvider = Objects.requireNonNull(provider, "aclProvider");
            return this;
        }

        /** How connection losses are retried: pauses and the deadline of untimed calls. */
        public Builder retryPolicy(RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy, "retryPolicy");
            return this;
        }

        /** ZooKeeper client settings passed through as they are: TLS, SASL, jute.maxbuffer... */
        public Builder clientConfig(ZKClientConfig config) {
            this.clientConfig = Objects.requireNonNull(config, "clientConfig");
            return this;
        }

        /** A client with these settings, not yet started: {@link ZkClient#start()} connects. */
        public ZkClient build() {
            AclProvider acl = aclProvider != null ? aclProvider
                    : user != null ? AclProvider.creatorAll() : AclProvider.worldOpen();
            ZKClientConfig config = clientConfig != null ? clientConfig : new ZKClientConfig();
            return new ZkClient(new Settings(connectString, sessionTimeout, connectionTimeout, namespace, user,
                    password, acl, retryPolicy, config));
        }
    }
}
