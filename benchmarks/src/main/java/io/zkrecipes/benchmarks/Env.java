package io.zkrecipes.benchmarks;

import io.zkrecipes.core.ZkClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;

/**
 * What a scenario measures with: the server, fresh paths, one session per simulated process (ours
 * or Curator's), and the round structure (warm-up rounds whose values are dropped, then measured
 * rounds). Sessions opened during a scenario are closed after it. Used from one thread at a time.
 */
final class Env {
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(15);
    private static final AtomicInteger PATHS = new AtomicInteger();

    /** One measured value, or one round's figure. */
    @FunctionalInterface
    interface Trial {
        double run() throws Exception;
    }

    private final String connectString;
    private final String clientConnectString;
    private final int rounds;
    private final int warmup;
    private final int waiters;
    private final int items;
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /**
     * @param connectString the servers themselves (for {@code mntr})
     * @param clientConnectString what every session connects to: the servers, or links to them
     */
    Env(String connectString, String clientConnectString, int rounds, int warmup, int waiters, int items) {
        this.connectString = connectString;
        this.clientConnectString = clientConnectString;
        this.rounds = rounds;
        this.warmup = warmup;
        this.waiters = waiters;
        this.items = items;
    }

    /** How many items the long queue scenario moves. */
    int items() {
        return items;
    }

    /** How many queued waiters the drain scenarios use. */
    int waiters() {
        return waiters;
    }

    /** The servers themselves, not the links in front of them: for reading their counters. */
    String connectString() {
        return connectString;
    }

    int rounds() {
        return rounds;
    }

    /** A path no scenario has used in this run, like {@code /bench/lock-3}. */
    String freshPath(String what) {
        return "/bench/" + what + "-" + PATHS.incrementAndGet() + "-" + Long.toString(System.nanoTime(), 36);
    }

    /** Creates the root every fresh path lives under, if it is not there yet. */
    void createRoot() throws Exception {
        ZkClient client = client();
        try {
            client.unwrap().create("/bench", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
            // a previous run against the same ensemble made it
        } finally {
            closeScope();
        }
    }

    /** A started, connected client on its own session; closed when the scenario ends. */
    ZkClient client() throws InterruptedException {
        ZkClient client = ZkClient.builder(clientConnectString).sessionTimeout(SESSION_TIMEOUT).build();
        opened.push(client);
        client.start();
        if (!client.awaitConnected(SESSION_TIMEOUT)) {
            throw new IllegalStateException("no connection to " + clientConnectString);
        }
        return client;
    }

    /** A started, connected Curator client on its own session; closed when the scenario ends. */
    CuratorFramework curator() throws InterruptedException {
        CuratorFramework curator = CuratorFrameworkFactory.builder().connectString(clientConnectString)
                .sessionTimeoutMs((int) SESSION_TIMEOUT.toMillis()).connectionTimeoutMs(15_000)
                .retryPolicy(new ExponentialBackoffRetry(100, 3)).build();
        opened.push(curator);
        curator.start();
        if (!curator.blockUntilConnected(15, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no connection to " + clientConnectString);
        }
        return curator;
    }

    /** Registers something else to close when the scenario ends (before the sessions it uses). */
    <T extends AutoCloseable> T closeLater(T resource) {
        opened.push(resource);
        return resource;
    }

    /**
     * Runs {@code trial} {@code perRound} times in each warm-up round, dropping the values, then in
     * each measured round, keeping them.
     */
    Samples collect(int perRound, Trial trial) throws Exception {
        Samples kept = new Samples();
        for (int round = 0; round < warmup + rounds; round++) {
            for (int i = 0; i < perRound; i++) {
                double value = trial.run();
                if (round >= warmup) {
                    kept.add(value);
                }
            }
        }
        return kept;
    }

    /**
     * Measures prepared sides in rotating rounds (ours first in round 0, the next side first in
     * round 1...), so that load from elsewhere on the machine falls on every side alike. Warm-up
     * rounds are dropped as in {@link #collect}.
     *
     * @return the kept values of each side, in the order given (ours first)
     */
    Samples[] compare(int perRound, Trial... sides) throws Exception {
        Samples[] kept = new Samples[sides.length];
        for (int k = 0; k < sides.length; k++) {
            kept[k] = new Samples();
        }
        for (int round = 0; round < warmup + rounds; round++) {
            for (int k = 0; k < sides.length; k++) {
                int side = (round + k) % sides.length;
                for (int i = 0; i < perRound; i++) {
                    double value = sides[side].run();
                    if (round >= warmup) {
                        kept[side].add(value);
                    }
                }
            }
        }
        return kept;
    }

    /** How many leading values of a per-round side measurement belong to warm-up rounds. */
    int warmup() {
        return warmup;
    }

    /** Closes everything opened since the last call, newest first; failures are printed, not thrown. */
    void closeScope() {
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                System.err.println("close failed: " + e);
            }
        }
    }

    static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
