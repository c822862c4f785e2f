package io.zkrecipes.campaign;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Three ZooKeeper servers, each its own JVM running {@code QuorumPeerMain} from the campaign's own
 * classpath, on free loopback ports, with configuration, data and logs under the run's folder.
 * The configuration is the one of {@code scripts/local-ensemble.sh}, with a one-second tick so
 * that sessions of a few seconds are allowed. Not thread-safe: only the campaign thread and the
 * nemesis use it, one after the other.
 */
final class Ensemble {
    static final int SIZE = 3;

    private final Path dir;
    private final String classpath;
    private final Processes processes;
    private final int[] clientPorts = new int[SIZE];
    private final int[] peerPorts = new int[SIZE];
    private final int[] electionPorts = new int[SIZE];
    private final Process[] servers = new Process[SIZE];

    Ensemble(Path dir, String classpath, Processes processes, Ports ports) {
        this.dir = dir;
        this.classpath = classpath;
        this.processes = processes;
        for (int i = 0; i < SIZE; i++) {
            clientPorts[i] = ports.next();
            peerPorts[i] = ports.next();
            electionPorts[i] = ports.next();
        }
    }

    /** Starts the three servers and waits until all of them serve. */
    void start(Duration timeout) throws IOException, InterruptedException {
        for (int i = 0; i < SIZE; i++) {
            writeConfig(i);
            launch(i);
        }
        awaitServing(SIZE, timeout);
    }

    List<Integer> clientPorts() {
        List<Integer> ports = new ArrayList<>();
        for (int port : clientPorts) {
            ports.add(port);
        }
        return ports;
    }

    String connectString() {
        return clientPorts().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    boolean isRunning(int server) {
        return servers[server] != null && servers[server].isAlive();
    }

    /** SIGKILL: no shutdown, no flush beyond what the server already synced. */
    void kill(int server) {
        Processes.kill(servers[server]);
    }

    /** Starts a killed server again on its own data. */
    void restart(int server) throws IOException {
        if (!isRunning(server)) {
            launch(server);
        }
    }

    /** Waits until at least {@code count} servers answer {@code srvr} with a mode. */
    void awaitServing(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (serving() < count) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("fewer than " + count + " servers serve after " + timeout
                        + "; see the server.log files under " + dir);
            }
            Thread.sleep(250);
        }
    }

    /** How many servers answer {@code srvr} as leader or follower right now. */
    int serving() {
        int serving = 0;
        for (int port : clientPorts) {
            String reply = fourLetterWord(port, "srvr");
            if (reply.contains("Mode: leader") || reply.contains("Mode: follower")) {
                serving++;
            }
        }
        return serving;
    }

    private void launch(int server) throws IOException {
        Path home = dir.resolve("zk" + (server + 1));
        List<String> command = List.of(Java.executable(), "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dzookeeper.admin.enableServer=false",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                home.resolve("zoo.cfg").toString());
        servers[server] = processes.start(command, home.resolve("server.log"));
    }

    private void writeConfig(int server) throws IOException {
        Path home = dir.resolve("zk" + (server + 1));
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("myid"), Integer.toString(server + 1));
        StringBuilder cfg = new StringBuilder()
                .append("tickTime=1000\ninitLimit=10\nsyncLimit=5\n")
                .append("dataDir=").append(data.toAbsolutePath()).append('\n')
                .append("clientPort=").append(clientPorts[server]).append('\n')
                .append("clientPortAddress=127.0.0.1\n")
                .append("admin.enableServer=false\n")
                .append("4lw.commands.whitelist=srvr,ruok\n")
                // small log files: a campaign writes little, and the default preallocates 64 MB
                .append("preAllocSize=1024\n");
        for (int i = 0; i < SIZE; i++) {
            cfg.append("server.").append(i + 1).append("=127.0.0.1:").append(peerPorts[i]).append(':')
                    .append(electionPorts[i]).append('\n');
        }
        Files.writeString(home.resolve("zoo.cfg"), cfg.toString());
    }

    private static String fourLetterWord(int port, String word) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }
}
