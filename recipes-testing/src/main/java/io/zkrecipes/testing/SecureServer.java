package io.zkrecipes.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.auth.ProviderRegistry;
import org.apache.zookeeper.server.auth.X509AuthenticationProvider;

/**
 * A standalone ZooKeeper server with a plain NIO client port and a TLS client port served by the
 * Netty connection factory, both on loopback with ports chosen by the system. Sets the server's
 * {@code zookeeper.ssl.*} system properties while it runs and restores them on close.
 */
final class SecureServer implements AutoCloseable {
    private static final int TICK_MILLIS = EmbeddedServers.TICK_MILLIS;
    private static final int MAX_CONNECTIONS = 200;
    private static final String NETTY_FACTORY = "org.apache.zookeeper.server.NettyServerCnxnFactory";
    private static final String FACTORY_PROPERTY = "zookeeper.serverCnxnFactory";
    /** The TLS port authenticates each client by its certificate through this provider. */
    private static final String X509_PROVIDER_PROPERTY = "zookeeper.authProvider.x509";

    private final Map<String, String> previousProperties = new HashMap<>();
    private Path dataDir;
    private ZooKeeperServer zooKeeper;
    private ServerCnxnFactory plain;
    private ServerCnxnFactory secure;

    private SecureServer() {
    }

    /** Starts the server with {@code stores} as its key and trust stores; blocks until it serves. */
    static SecureServer start(TlsMaterial stores) throws IOException, InterruptedException {
        SecureServer server = new SecureServer();
        try {
            server.setServerProperties(stores);
            server.launch();
            return server;
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** A client configuration for a TLS port, without any store: the caller adds those. */
    static ZKClientConfig secureSocket() {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
        return config;
    }

    int plainPort() {
        return plain.getLocalPort();
    }

    int securePort() {
        return secure.getLocalPort();
    }

    private void setServerProperties(TlsMaterial stores) {
        setProperty("zookeeper.ssl.keyStore.location", stores.keyStore().toString());
        setProperty("zookeeper.ssl.keyStore.password", stores.keyStorePassword());
        setProperty("zookeeper.ssl.keyStore.type", "PKCS12");
        setProperty("zookeeper.ssl.trustStore.location", stores.trustStore().toString());
        setProperty("zookeeper.ssl.trustStore.password", stores.trustStorePassword());
        setProperty("zookeeper.ssl.trustStore.type", "PKCS12");
        setProperty(X509_PROVIDER_PROPERTY, X509AuthenticationProvider.class.getName());
        // the registry reads providers from system properties once per JVM: add this one explicitly
        ProviderRegistry.addOrUpdateProvider(X509_PROVIDER_PROPERTY);
    }

    private void launch() throws IOException, InterruptedException {
        dataDir = Files.createTempDirectory("zk-tls-data");
        zooKeeper = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), TICK_MILLIS);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        plain = ServerCnxnFactory.createFactory(new InetSocketAddress(loopback, 0), MAX_CONNECTIONS);
        plain.startup(zooKeeper); // starts the server too
        secure = nettyFactory();
        secure.configure(new InetSocketAddress(loopback, 0), MAX_CONNECTIONS, -1, true);
        secure.startup(zooKeeper, false);
    }

    /** ZooKeeper picks the factory class from a system property only: set it just for this call. */
    private static ServerCnxnFactory nettyFactory() throws IOException {
        String previous = System.getProperty(FACTORY_PROPERTY);
        System.setProperty(FACTORY_PROPERTY, NETTY_FACTORY);
        try {
            return ServerCnxnFactory.createFactory();
        } finally {
            restore(FACTORY_PROPERTY, previous);
        }
    }

    private void setProperty(String key, String value) {
        previousProperties.putIfAbsent(key, System.getProperty(key));
        System.setProperty(key, value);
    }

    private static void restore(String key, String previous) {
        if (previous == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, previous);
        }
    }

    /** Stops both ports and the server, deletes its data and restores the system properties. */
    @Override
    public void close() throws IOException {
        try {
            if (secure != null) {
                secure.shutdown();
            }
            if (plain != null) {
                plain.shutdown();
            }
            if (zooKeeper != null) {
                zooKeeper.shutdown();
            }
            deleteData();
        } finally {
            ProviderRegistry.removeProvider("x509");
            previousProperties.forEach(SecureServer::restore);
            previousProperties.clear();
        }
    }

    private void deleteData() throws IOException {
        if (dataDir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
