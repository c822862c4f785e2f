package io.zkrecipes.testing;

import io.zkrecipes.core.ZkClient;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that runs one embedded ZooKeeper server with a TLS ("secure") client port
 * beside its plain one, and hands out clients that connect over TLS.
 *
 * <pre>{@code
 * @RegisterExtension static final TlsTestServer tls = TlsTestServer.single();
 *
 * @Test void lock_overTls() {
 *     ZkClient client = tls.newClient();          // Netty socket, key and trust stores
 *     ...
 * }
 * }</pre>
 *
 * <p>Register it on a static field: the server lives for the test class. Before it starts, a
 * self-signed key pair for {@code localhost}/{@code 127.0.0.1} and a trust store holding its
 * certificate are generated with the JDK's keytool into a temporary folder with random passwords;
 * both are deleted after the class. The server requires client certificates ({@code
 * ssl.clientAuth=need}, ZooKeeper's default), so {@link #clientConfig()} carries the same key
 * store. Each test gets its own namespace as with {@link ZkTestServers}; clients made during a
 * test are closed after it. No fault helpers: clients connect to the server directly.
 *
 * <p>ZooKeeper's server reads its TLS settings from system properties each time a client
 * connects, so the {@code zookeeper.ssl.*} properties are set while the class runs and restored
 * afterwards. Because a {@link ZKClientConfig} copies those properties when it is created, the
 * configurations made here set every store property explicitly. Test classes using this extension
 * must not run concurrently with other classes in the same JVM.
 */
public final class TlsTestServer implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {
    /** Session timeout of clients from {@link #newClient()} unless customized. */
    public static final Duration SESSION_TIMEOUT = ZkTestServers.SESSION_TIMEOUT;
    /** How long {@link #newClient()} waits for a connection (TLS handshake included). */
    public static final Duration CONNECT_TIMEOUT = ZkTestServers.FAULT_TIMEOUT;

    private volatile TlsMaterial material;
    private volatile SecureServer server;
    private volatile TestScope classScope;
    private volatile TestScope testScope;

    private TlsTestServer() {
    }

    /** One standalone server with a plain and a TLS client port. */
    public static TlsTestServer single() {
        return new TlsTestServer();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        System.setProperty("zookeeper.admin.enableServer", "false");
        material = TlsMaterial.generate();
        try {
            server = SecureServer.start(material);
        } catch (Exception e) {
            material.close();
            throw e;
        }
        classScope = TestScope.forClass(context);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try (TlsMaterial stores = material; SecureServer running = server; TestScope scope = classScope) {
            classScope = null;
        } finally {
            server = null;
            material = null;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        testScope = TestScope.forTest(context);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try (TestScope scope = testScope) {
            testScope = null;
        }
    }

    /** {@code 127.0.0.1:port} of the TLS client port. */
    public String secureConnectString() {
        return "127.0.0.1:" + server().securePort();
    }

    /** {@code 127.0.0.1:port} of the plain client port (to show it is a different door). */
    public String plainConnectString() {
        return "127.0.0.1:" + server().plainPort();
    }

    /** The current test's namespace (or the class's, outside a test), with no leading slash. */
    public String namespace() {
        return scope().namespace();
    }

    /**
     * A new client configuration for the TLS port: {@code zookeeper.client.secure=true}, the Netty
     * client socket, and the generated key store and trust store (PKCS12).
     */
    public ZKClientConfig clientConfig() {
        TlsMaterial stores = material();
        ZKClientConfig config = SecureServer.secureSocket();
        config.setProperty("zookeeper.ssl.keyStore.location", stores.keyStore().toString());
        config.setProperty("zookeeper.ssl.keyStore.password", stores.keyStorePassword());
        config.setProperty("zookeeper.ssl.keyStore.type", "PKCS12");
        config.setProperty("zookeeper.ssl.trustStore.location", stores.trustStore().toString());
        config.setProperty("zookeeper.ssl.trustStore.password", stores.trustStorePassword());
        config.setProperty("zookeeper.ssl.trustStore.type", "PKCS12");
        return config;
    }

    /**
     * {@link #clientConfig()} without the trust store: the client falls back to the JDK's default
     * trust anchors, which do not include the server's self-signed certificate, so every TLS
     * handshake fails.
     */
    public ZKClientConfig clientConfigWithoutTrustStore() {
        ZKClientConfig config = clientConfig();
        config.setProperty("zookeeper.ssl.trustStore.location", "");
        config.setProperty("zookeeper.ssl.trustStore.password", "");
        config.setProperty("zookeeper.ssl.trustStore.type", "");
        return config;
    }

    /** A started client over TLS in {@link #namespace()}, connected. */
    public ZkClient newClient() {
        return newClient(builder -> { });
    }

    /**
     * A started client over TLS, connected. {@code customizer} runs after the defaults (namespace,
     * {@link #SESSION_TIMEOUT}, {@link #clientConfig()}) and may change them.
     *
     * @throws IllegalStateException if the client does not connect within {@link #CONNECT_TIMEOUT}
     */
    public ZkClient newClient(Consumer<ZkClient.Builder> customizer) {
        ZkClient client = newUnstartedClient(customizer);
        client.start();
        Faults.awaitConnected(client, CONNECT_TIMEOUT);
        return client;
    }

    /**
     * A client like {@link #newClient(Consumer)}, not started: for tests of a client that must fail
     * to connect. Closed after the test.
     */
    public ZkClient newUnstartedClient(Consumer<ZkClient.Builder> customizer) {
        TestScope scope = scope();
        ZkClient.Builder builder = ZkClient.builder(secureConnectString()).namespace(scope.namespace())
                .sessionTimeout(SESSION_TIMEOUT).clientConfig(clientConfig());
        customizer.accept(builder);
        ZkClient client = scope.register(builder.build());
        if (scope.namespace().equals(client.namespace()) && scope.markNamespaceCreated()) {
            Faults.createPath(plainConnectString(), "/" + scope.namespace(), CONNECT_TIMEOUT);
        }
        return client;
    }

    /** Closes {@code resource} after the current test (or class), before the clients it uses. */
    public <T extends AutoCloseable> T closeAfterTest(T resource) {
        return scope().register(resource);
    }

    private SecureServer server() {
        SecureServer current = server;
        if (current == null) {
            throw new IllegalStateException("the server is not running: register TlsTestServer with"
                    + " @RegisterExtension on a static field");
        }
        return current;
    }

    private TlsMaterial material() {
        server();
        return material;
    }

    private TestScope scope() {
        TestScope scope = testScope != null ? testScope : classScope;
        if (scope == null) {
            throw new IllegalStateException("no test is running");
        }
        return scope;
    }
}
