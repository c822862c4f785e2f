package io.zkrecipes.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.zkrecipes.core.RetryPolicy;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Function;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code zkr}, the inspector: connects, reads the nodes of one recipe, explains them, exits with a
 * code that tells a script what it found. The connection options belong to every subcommand and
 * may come before or after it.
 */
@Command(name = "zkr", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true, versionProvider = Zkr.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Reads the nodes of the zk-recipes and explains them: who holds a lock, who leads an election,"
                + " what waits in a queue. Reads only: it writes nothing and sets no watch.",
        subcommands = {LockCommand.class, ElectionCommand.class, QueueCommand.class, ServicesCommand.class,
                ConfigCommand.class, IdsCommand.class, NamesCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:found: the path holds a recipe of that kind; explained on stdout",
                "1:not found: no node at the path, or the node is not a recipe of that kind",
                "2:usage: bad command line or option value",
                "3:cannot connect: no server reached, or the connection lost, within --timeout",
                "4:refused: no permission to read a node (see --auth), or another server error"})
public final class Zkr implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--connect", paramLabel = "HOST:PORT[,HOST:PORT...]", defaultValue = "127.0.0.1:2181",
            scope = ScopeType.INHERIT, description = "The ensemble to read (default: ${DEFAULT-VALUE}).")
    private String connect;

    @Option(names = "--namespace", paramLabel = "NAMESPACE", scope = ScopeType.INHERIT,
            description = "The namespace the application's client uses (like orders or apps/orders); paths are below it.")
    private String namespace;

    @Option(names = "--auth", paramLabel = "USER:PASSWORD", scope = ScopeType.INHERIT,
            description = "Digest credentials, for nodes whose ACL lets only their creator read them.")
    private String auth;

    @Option(names = "--tls-config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "A properties file of ZooKeeper client settings for TLS (zookeeper.client.secure=true,"
                    + " zookeeper.ssl.keyStore.location, zookeeper.ssl.trustStore.location, ...).")
    private Path tlsConfig;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            scope = ScopeType.INHERIT,
            description = "How long to try to connect, and to retry each read (like 500ms, 10s, 1m; default: ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON instead of text.")
    private boolean json;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Let the ZooKeeper client log to stderr (why a connection or a TLS handshake failed).")
    private boolean verbose;

    @Spec
    private CommandSpec spec;

    /** Runs {@code zkr} and exits with its exit code. */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = execute(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs {@code zkr} with {@code args}, printing to {@code out} and {@code err}; returns the exit code. */
    static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine line = new CommandLine(new Zkr());
        line.setOut(out);
        line.setErr(err);
        line.setExecutionExceptionHandler((e, command, parsed) -> {
            command.getErr().println("zkr: " + (e instanceof Failure ? e.getMessage() : e.toString()));
            return e instanceof Failure f ? f.exitCode() : Failure.REFUSED;
        });
        return line.execute(args);
    }

    /** {@code zkr} alone: a command is missing. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing command: lock, election, queue, services, config, ids or names");
    }

    /**
     * Connects, runs {@code inspect}, prints its report and returns {@link Failure#FOUND}; a
     * {@link Failure} on the way goes to the exception handler, which prints it and returns its code.
     */
    int inspect(Function<Nodes, Report> inspect) {
        return run(client -> inspect.apply(new Nodes(client)));
    }

    /** As {@link #inspect}, for a command that needs the client itself (one that writes, as {@code lock --revoke}). */
    int run(Function<ZkClient, Report> command) {
        if (verbose) { // before the first logger is made, which is when the client's classes load
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
            System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "info");
        }
        Report report;
        try (ZkClient client = connect()) {
            report = command.apply(client);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(report));
        } else {
            report.print(out);
        }
        out.flush();
        return Failure.FOUND;
    }

    /** The connect and reply timeout of {@code --timeout}. */
    Duration timeout() {
        return timeout;
    }

    /** {@code path} if it is a valid absolute node path; else a usage failure. */
    static String checkPath(String path, String what) {
        try {
            return ZkPaths.validate(path, what);
        } catch (IllegalArgumentException e) {
            throw Failure.usage(e.getMessage());
        }
    }

    private ZkClient connect() {
        ZkClient client = builder().build();
        try {
            client.start();
            if (!client.awaitConnected(timeout)) {
                throw Failure.unreachable("cannot connect to " + connect + " within " + Show.age(timeout.toMillis())
                        + (tlsConfig == null ? "" : " over TLS (" + tlsConfig + ")"));
            }
            return client;
        } catch (InterruptedException e) {
            closeInBackground(client);
            Thread.currentThread().interrupt();
            throw Failure.unreachable("interrupted while connecting to " + connect);
        } catch (RuntimeException e) {
            closeInBackground(client);
            throw e instanceof Failure ? e : Failure.unreachable("cannot connect to " + connect + ": " + e.getMessage());
        }
    }

    /** Without a connection, close() waits for the client's next connect attempt to fail: do not make the user wait too. */
    private static void closeInBackground(ZkClient client) {
        Thread closer = new Thread(client::close, "zkr-close");
        closer.setDaemon(true);
        closer.start();
    }

    private ZkClient.Builder builder() {
        try {
            Duration pause = timeout.compareTo(Duration.ofMillis(500)) < 0 ? timeout : Duration.ofMillis(500);
            ZkClient.Builder builder = ZkClient.builder(connect)
                    .connectionTimeout(timeout)
                    .sessionTimeout(timeout) // also how long the client waits for a reply before it calls the connection lost
                    .retryPolicy(RetryPolicy.exponentialBackoff(pause.dividedBy(10), pause, timeout));
            if (namespace != null) {
                builder.namespace(namespace.startsWith("/") ? namespace.substring(1) : namespace);
            }
            if (auth != null) {
                int colon = auth.indexOf(':');
                if (colon < 1) {
                    throw Failure.usage("--auth must be USER:PASSWORD, was '" + auth + "'");
                }
                builder.authorization(auth.substring(0, colon), auth.substring(colon + 1));
            }
            if (tlsConfig != null) {
                builder.clientConfig(tls(tlsConfig));
            }
            return builder;
        } catch (IllegalArgumentException e) {
            throw Failure.usage(e.getMessage());
        }
    }

    /** The client settings in {@code file}; TLS needs the Netty socket, so it is the default there. */
    private static ZKClientConfig tls(Path file) {
        if (!Files.isReadable(file)) {
            throw Failure.usage("cannot read --tls-config " + file + ": no such readable file");
        }
        ZKClientConfig config;
        try {
            config = new ZKClientConfig(file.toFile());
        } catch (QuorumPeerConfig.ConfigException | IllegalArgumentException e) {
            throw Failure.usage("cannot read --tls-config " + file + ": " + e.getMessage());
        }
        if (config.getProperty(ZKClientConfig.SECURE_CLIENT) == null) {
            config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        }
        if (config.getProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET) == null) {
            config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
        }
        return config;
    }

    private static String toJson(Report report) {
        try {
            return JSON.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + report.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** {@code 500ms}, {@code 10s}, {@code 2m}, an ISO-8601 duration ({@code PT10S}), or a number of seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = parse(value.trim().toLowerCase(Locale.ROOT));
            if (d.isNegative() || d.isZero()) {
                throw new CommandLine.TypeConversionException("must be positive, was '" + value + "'");
            }
            return d;
        }

        private static Duration parse(String v) {
            try {
                if (v.startsWith("pt")) {
                    return Duration.parse(v);
                }
                if (v.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                if (v.endsWith("s")) {
                    return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
                }
                if (v.endsWith("m")) {
                    return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
                }
                return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
            } catch (NumberFormatException | DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + v + "' is not a duration like 500ms, 10s or 1m");
            }
        }
    }

    /** The module's version and the ZooKeeper client's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Zkr.class.getResourceAsStream("/zkr-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"zkr " + p.getProperty("version", "(unknown version)") + " (zk-recipes), ZooKeeper client "
                    + org.apache.zookeeper.Version.getFullVersion()};
        }
    }
}
