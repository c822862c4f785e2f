package io.zkrecipes.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;

/**
 * One embedded single server or ensemble on loopback, with fixed ports that survive restarts and a
 * short tick so that sessions of one to a few seconds are allowed.
 */
final class EmbeddedServers implements AutoCloseable {
    /** Short tick: the server allows session timeouts from 2 ticks up to the maximum below. */
    static final int TICK_MILLIS = 200;
    private static final int MAX_SESSION_MILLIS = 60_000;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORTS_PER_JVM = 2000;
    /** Forks count from 1; 21000 + 5 ranges stays below Linux's first ephemeral port, 32768. */
    private static final int FIRST_PORT =
            21000 + Math.floorMod(Integer.getInteger("zkrecipes.test.fork", 1) - 1, 5) * PORTS_PER_JVM;
    private static final AtomicInteger NEXT_PORT = new AtomicInteger();

    private final List<InstanceSpec> specs;
    private final TestingServer single;
    private final TestingCluster cluster;
    private final Set<Integer> stopped = new TreeSet<>();

    private EmbeddedServers(List<InstanceSpec> specs, TestingServer single, TestingCluster cluster) {
        this.specs = specs;
        this.single = single;
        this.cluster = cluster;
    }

    /** Starts {@code size} servers (one plain server when 1) and waits until each one serves. */
    static EmbeddedServers start(int size) throws Exception {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            specs.add(spec(id));
        }
        EmbeddedServers servers;
        if (size == 1) {
            servers = new EmbeddedServers(specs, new TestingServer(specs.get(0), true), null);
        } else {
            TestingCluster cluster = new TestingCluster(specs.toArray(new InstanceSpec[0]));
            cluster.start();
            servers = new EmbeddedServers(specs, null, cluster);
        }
        for (int i = 0; i < size; i++) {
            servers.awaitServing(i);
        }
        return servers;
    }

    private static InstanceSpec spec(int serverId) {
        Map<String, Object> properties = Map.of(
                "minSessionTimeout", String.valueOf(2 * TICK_MILLIS),
                "maxSessionTimeout", String.valueOf(MAX_SESSION_MILLIS));
        return new InstanceSpec(null, freePort(), freePort(), freePort(), true, serverId, TICK_MILLIS, 0, properties);
    }

    /**
     * A loopback port no server of this JVM had and none of a sibling test JVM can get: each JVM
     * (surefire fork {@code zkrecipes.test.fork}) counts through a range of its own, below the
     * ports the system hands out for outgoing connections, and skips ports something else holds.
     * Asking the system for a free port twice can give the same one twice.
     */
    private static int freePort() {
        for (int tries = 0; tries < PORTS_PER_JVM; tries++) {
            int port = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement(), PORTS_PER_JVM);
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // held by something else: the next one
            }
        }
        throw new IllegalStateException("no free port in " + FIRST_PORT + ".." + (FIRST_PORT + PORTS_PER_JVM - 1));
    }

    int size() {
        return specs.size();
    }

    /** The client port of server {@code index}. */
    int port(int index) {
        return specs.get(index).getPort();
    }

    /** {@code 127.0.0.1:p1,127.0.0.1:p2,...}: every server, no proxy. */
    String connectString() {
        StringBuilder connect = new StringBuilder();
        for (InstanceSpec spec : specs) {
            connect.append(connect.length() == 0 ? "" : ",").append("127.0.0.1:").append(spec.getPort());
        }
        return connect.toString();
    }

    /** Stops server {@code index}; its data stays for a restart. */
    synchronized void kill(int index) throws Exception {
        checkIndex(index);
        if (!stopped.add(index)) {
            throw new IllegalStateException("server " + index + " is already stopped");
        }
        if (single != null) {
            single.stop();
        } else {
            cluster.killServer(specs.get(index));
        }
    }

    /** Stops every server still running: the quorum is lost. */
    synchronized void stopAll() throws Exception {
        for (int index = 0; index < size(); index++) {
            if (!stopped.contains(index)) {
                kill(index);
            }
        }
    }

    /** Restarts the stopped server {@code index} and waits until it serves clients. */
    synchronized void restart(int index) throws Exception {
        checkIndex(index);
        if (!stopped.contains(index)) {
            throw new IllegalStateException("server " + index + " is running");
        }
        launch(index);
        awaitServing(index);
    }

    /** Restarts every stopped server together (a quorum needs them at once), then awaits each one. */
    synchronized void startStopped() throws Exception {
        List<Integer> indexes = List.copyOf(stopped);
        for (int index : indexes) {
            launch(index);
        }
        for (int index : indexes) {
            awaitServing(index);
        }
    }

    private void launch(int index) throws Exception {
        if (single != null) {
            single.restart();
        } else {
            cluster.restartServer(specs.get(index));
        }
        stopped.remove(index);
    }

    /**
     * Waits until server {@code index} accepts a session: a restarted ensemble member only does so
     * once it has joined a quorum.
     */
    void awaitServing(int index) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper probe = new ZooKeeper("127.0.0.1:" + port(index), 10 * TICK_MILLIS, event -> {
            if (event.getState() == KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        try {
            if (!connected.await(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("server " + index + " (port " + port(index)
                        + ") did not serve within " + START_TIMEOUT);
            }
        } finally {
            probe.close();
        }
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= specs.size()) {
            throw new IllegalArgumentException("server index " + index + " not in [0, " + specs.size() + ")");
        }
    }

    @Override
    public void close() throws IOException {
        if (single != null) {
            single.close();
        } else {
            cluster.close();
        }
    }
}
