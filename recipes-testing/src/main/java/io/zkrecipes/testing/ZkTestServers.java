package io.zkrecipes.testing;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ZkClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that runs an embedded ZooKeeper server or ensemble on loopback, hands out
 * clients, and injects faults into them.
 *
 * <pre>{@code
 * @RegisterExtension static final ZkTestServers zk = ZkTestServers.ensemble(3);
 *
 * @Test void lease_lostOnExpiry() {
 *     ZkClient client = zk.newClient();
 *     ...
 *     zk.expireSession(client);
 * }
 * }</pre>
 *
 * <p>Registered on a static field, the servers live for the test class; on an instance field, for
 * each test. Every test gets its own namespace ({@code t-<Class>-<method>-<n>}), so tests of a class
 * never see each other's nodes; its node exists once the first client in it is returned. Clients from {@link #newClient()} connect through a loopback proxy
 * per server, which is how {@link #cut}, {@link #restore} and {@link #dropNextReply} reach one
 * client alone. Clients and proxies made during a test are closed after it (those made in
 * {@code @BeforeAll}, after the class), and servers the test stopped are started again.
 *
 * <p>Servers use a 200 ms tick: session timeouts from 400 ms to 60 s are allowed. Fault helpers
 * block until the state change they cause is observed, or fail after {@link #FAULT_TIMEOUT}. Test
 * methods of one class must not run concurrently.
 */
public final class ZkTestServers implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {
    /** Session timeout of clients from {@link #newClient()} unless customized. */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(3);
    /** Connection timeout of clients from {@link #newClient()} unless customized. */
    public static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(3);
    /** How long a helper waits for the state it causes before failing. */
    public static final Duration FAULT_TIMEOUT = Duration.ofSeconds(30);

    private final int size;
    private final Map<ZkClient, List<LoopbackProxy>> proxiesByClient = new ConcurrentHashMap<>();
    private volatile EmbeddedServers servers;
    private volatile TestScope classScope;
    private volatile TestScope testScope;
    private boolean serversPerTest;

    private ZkTestServers(int size) {
        this.size = size;
    }

    /** One standalone server. */
    public static ZkTestServers single() {
        return new ZkTestServers(1);
    }

    /** An ensemble of {@code size} servers (3 or 5 usually; 1 is a standalone server). */
    public static ZkTestServers ensemble(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("ensemble size must be at least 1, was " + size);
        }
        return new ZkTestServers(size);
    }

    // ---- lifecycle ----

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        startServers();
        classScope = TestScope.forClass(context);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try (EmbeddedServers ignored = servers; TestScope scope = classScope) {
            classScope = null;
        } finally {
            servers = null;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (servers == null) {
            startServers();
            serversPerTest = true;
        }
        testScope = TestScope.forTest(context);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try (TestScope scope = testScope) {
            testScope = null;
            servers().startStopped();
        } finally {
            if (serversPerTest) {
                servers.close();
                servers = null;
            }
        }
    }

    private void startServers() throws Exception {
        System.setProperty("zookeeper.admin.enableServer", "false");
        servers = EmbeddedServers.start(size);
    }

    // ---- addresses and clients ----

    /** The number of servers. */
    public int size() {
        return size;
    }

    /** {@code 127.0.0.1:p1,...}: the servers themselves; no proxy, so no fault helper applies. */
    public String connectString() {
        return servers().connectString();
    }

    /** The same as {@link #connectString()}; reads better where a test bypasses the proxies. */
    public String rawConnectString() {
        return connectString();
    }

    /** The current test's namespace (or the class's, outside a test), with no leading slash. */
    public String namespace() {
        return scope().namespace();
    }

    /** A started, connected client in {@link #namespace()} with the default timeouts. */
    public ZkClient newClient() {
        return newClient(builder -> { });
    }

    /**
     * A started, connected client through its own proxies. {@code customizer} runs after the
     * defaults (namespace, {@link #SESSION_TIMEOUT}, {@link #CONNECTION_TIMEOUT}) and may change them.
     *
     * @throws IllegalStateException if the client does not connect within {@link #FAULT_TIMEOUT}
     */
    public ZkClient newClient(Consumer<ZkClient.Builder> customizer) {
        TestScope scope = scope();
        List<LoopbackProxy> proxies = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            proxies.add(scope.register(Faults.openProxy(servers().port(i))));
        }
        StringBuilder connect = new StringBuilder();
        proxies.forEach(p -> connect.append(connect.length() == 0 ? "" : ",").append(p.hostPort()));
        ZkClient.Builder builder = ZkClient.builder(connect.toString()).namespace(scope.namespace())
                .sessionTimeout(SESSION_TIMEOUT).connectionTimeout(CONNECTION_TIMEOUT);
        customizer.accept(builder);
        ZkClient client = scope.register(builder.build());
        proxiesByClient.put(client, List.copyOf(proxies));
        scope.register(() -> proxiesByClient.remove(client)); // runs after the client's close
        if (scope.namespace().equals(client.namespace()) && scope.markNamespaceCreated()) {
            Faults.createPath(connectString(), "/" + scope.namespace(), FAULT_TIMEOUT);
        }
        client.start();
        Faults.awaitConnected(client, FAULT_TIMEOUT);
        return client;
    }

    /** Closes {@code resource} after the current test (or class), before the clients it uses. */
    public <T extends AutoCloseable> T closeAfterTest(T resource) {
        return scope().register(resource);
    }

    // ---- faults ----

    /**
     * Expires {@code client}'s session on the server, deleting its ephemeral nodes, and waits until
     * the client has reported {@link ConnectionState#LOST} and is connected on a new session. As in
     * any real expiry the client learns of it only on reconnecting, so its listeners see
     * {@code SUSPENDED, LOST, RECONNECTED}. Works on clients made elsewhere too, less
     * deterministically (the client may briefly win its session back before it is closed).
     */
    public void expireSession(ZkClient client) {
        Faults.expireSession(client, proxiesByClient.getOrDefault(client, List.of()), connectString(),
                FAULT_TIMEOUT);
    }

    /**
     * Breaks {@code client}'s connections and refuses new ones, without expiring its session; waits
     * for {@link ConnectionState#SUSPENDED}. The session expires if {@link #restore} does not come
     * within its timeout.
     */
    public void cut(ZkClient client) {
        Faults.cut(client, requireProxies(client), FAULT_TIMEOUT);
    }

    /** Lets {@code client} connect again after {@link #cut} and waits until it is connected. */
    public void restore(ZkClient client) {
        Faults.restore(client, requireProxies(client), FAULT_TIMEOUT);
    }

    /**
     * Arms {@code client}'s proxies so that the reply to its next request of type {@code opCode}
     * ({@code org.apache.zookeeper.ZooDefs.OpCode}) is swallowed and the connection closed: the
     * server applied the request, the client sees a connection loss and then reconnects. Returns
     * at once.
     *
     * @return completed with the request's xid once its reply has been dropped
     */
    public CompletableFuture<Integer> dropNextReply(ZkClient client, int opCode) {
        return Faults.dropNextReply(requireProxies(client), opCode, false);
    }

    /**
     * As {@link #dropNextReply}, but the client cannot reconnect afterwards, as after {@link #cut},
     * until {@link #restore}: the request's outcome stays unknown to the client for as long as the
     * test needs. The proxy that dropped the reply refuses connections before it closes this one;
     * the client's other proxies (in an ensemble) are cut right after.
     *
     * @return completed with the request's xid once its reply has been dropped
     */
    public CompletableFuture<Integer> dropNextReplyAndCut(ZkClient client, int opCode) {
        return Faults.dropNextReply(requireProxies(client), opCode, true);
    }

    /**
     * The index of the server {@code client} is connected to now, or -1 when it is not connected
     * (e.g. to kill the server a leader talks to).
     */
    public int serverOf(ZkClient client) {
        List<LoopbackProxy> proxies = requireProxies(client);
        for (int i = 0; i < proxies.size(); i++) {
            if (proxies.get(i).hasOpenConnection()) {
                return i;
            }
        }
        return -1;
    }

    /** Stops server {@code index} (0-based); it is started again after the test if still down. */
    public void killServer(int index) {
        Faults.run(() -> servers().kill(index), "stop server " + index);
    }

    /** Starts server {@code index} again and waits until it serves clients. */
    public void restartServer(int index) {
        Faults.run(() -> servers().restart(index), "restart server " + index);
    }

    /** Stops every server that runs: quorum loss. */
    public void stopAll() {
        Faults.run(() -> servers().stopAll(), "stop servers");
    }

    /** Starts every stopped server and waits until each one serves clients. */
    public void startAll() {
        Faults.run(() -> servers().startStopped(), "start servers");
    }

    private EmbeddedServers servers() {
        EmbeddedServers current = servers;
        requireState(current != null, "servers are not running: register ZkTestServers with @RegisterExtension");
        return current;
    }

    private TestScope scope() {
        TestScope scope = testScope != null ? testScope : classScope;
        requireState(scope != null, "no test is running");
        return scope;
    }

    private List<LoopbackProxy> requireProxies(ZkClient client) {
        List<LoopbackProxy> proxies = proxiesByClient.get(client);
        if (proxies == null) {
            throw new IllegalArgumentException("client was not made by this ZkTestServers' newClient()");
        }
        return proxies;
    }

    private static void requireState(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
