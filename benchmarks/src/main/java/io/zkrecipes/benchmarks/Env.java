package io.zkrecipes.benchmarks;

import io.zkrecipes.core.ZkClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
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
 * rounds). Warm-up lasts at least the given number of rounds and, for each side, at least the given
 * time: the code paths of a recipe are compiled only after some thousands of calls, and a side measured
 * before that is measured in the interpreter. Sessions opened during a scenario are closed after it.
 * Used from one thread at a time.
 */
final class Env {
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(15);
    private static final AtomicInteger PATHS = new AtomicInteger();
    /**
     * The warm-up of the scenarios that deliver one change to twenty sessions: each change runs the
     * watcher's code on every session, and over the link, with the relay's threads on the same two
     * cores, the compiler was still busy after 3 s (both sides 1.6x slower than after 10 s).
     */
    static final Duration FAN_OUT_WARMUP = Duration.ofSeconds(10);

    /** One measured value, or one round's figure. */
    @FunctionalInterface
    interface Trial {
        double run() throws Exception;
    }

    private final String connectString;
    private final String clientConnectString;
    private final int rounds;
    private final int warmup;
    private final Duration warmupTime;
    private final int waiters;
    private final int items;
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private int warmedRounds;

    /**
     * @param connectString the servers themselves (for {@code mntr})
     * @param clientConnectString what every session connects to: the servers, or links to them
     */
    Env(String connectString, String clientConnectString, int rounds, int warmup, Duration warmupTime, int waiters,
            int items) {
        this.connectString = connectString;
        this.clientConnectString = clientConnectString;
        this.rounds = rounds;
        this.warmup = warmup;
        this.warmupTime = warmupTime;
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
        return compare(perRound, trial)[0];
    }

    /**
     * Measures prepared sides in rotating rounds (ours first in round 0, the next side first in
     * round 1...), so that load from elsewhere on the machine falls on every side alike. Warm-up
     * rounds come first and their values are dropped: at least {@code --warmup} of them, and until
     * every side has spent at least {@code --warmup-s} in them.
     *
     * @return the kept values of each side, in the order given (ours first)
     */
    Samples[] compare(int perRound, Trial... sides) throws Exception {
        return compare(Duration.ZERO, perRound, sides);
    }

    /** {@link #compare(int, Trial...)} with a warm-up of at least {@code minWarmup} per side, whatever {@code --warmup-s}. */
    Samples[] compare(Duration minWarmup, int perRound, Trial... sides) throws Exception {
        long warmNanos = Math.max(minWarmup.toNanos(), warmupTime.toNanos());
        long[] warmedNanos = new long[sides.length];
        int round = 0;
        while (round < warmup || Arrays.stream(warmedNanos).anyMatch(t -> t < warmNanos)) {
            for (int k = 0; k < sides.length; k++) {
                int side = (round + k) % sides.length;
                long t0 = System.nanoTime();
                runRound(sides[side], perRound, null);
                warmedNanos[side] += System.nanoTime() - t0;
            }
            round++;
        }
        warmedRounds = round;
        Samples[] kept = new Samples[sides.length];
        for (int k = 0; k < sides.length; k++) {
            kept[k] = new Samples();
        }
        for (int measured = 0; measured < rounds; measured++, round++) {
            for (int k = 0; k < sides.length; k++) {
                int side = (round + k) % sides.length;
                runRound(sides[side], perRound, kept[side]);
            }
        }
        return kept;
    }

    private static void runRound(Trial trial, int perRound, Samples keep) throws Exception {
        for (int i = 0; i < perRound; i++) {
            double value = trial.run();
            if (keep != null) {
                keep.add(value);
            }
        }
    }

    /**
     * How many warm-up rounds the last {@link #compare} or {@link #collect} ran: the values a trial
     * recorded itself during the first {@code warmedRounds() * perRound} runs belong to them.
     */
    int warmedRounds() {
        return warmedRounds;
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
