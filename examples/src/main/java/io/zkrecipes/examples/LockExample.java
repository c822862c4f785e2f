package io.zkrecipes.examples;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.lock.Lease;
import io.zkrecipes.lock.LeaseLostException;
import io.zkrecipes.lock.SequentialLock;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;

/**
 * Lock example: workers, each in its own session, increment a counter kept in ZooKeeper with a
 * plain read-then-write. Without the lock, updates are lost; under a {@code SequentialLock} none is,
 * and every holder's fencing token is larger than the previous holder's. Then a holder's session
 * expires while it holds the lock: its late write is refused, and the next holder carries on.
 *
 * <p>Run: {@code mvn -q -pl examples exec:java -Dexec.args="lock [--connect host:port,...]"}.
 */
public final class LockExample {
    static final int WORKERS = 4;
    static final int INCREMENTS = 25;
    private static final String COUNTER = "/counter";
    private static final String LOCK = "/locks/counter";
    private static final Duration PHASE_LIMIT = Duration.ofSeconds(60);

    private LockExample() {
    }

    /** Runs the example; exits with status 1 if a checked fact did not hold. */
    public static void main(String[] args) {
        Example.exit(run(args, System.out));
    }

    static boolean run(String[] args, PrintStream out) {
        return Example.run("lock", LockExample::play, args, out);
    }

    static void play(Stage stage) throws Exception {
        List<ZkClient> clients = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            clients.add(stage.client());
        }
        int total = WORKERS * INCREMENTS;
        clients.get(0).unwrap().create(COUNTER, encode(0), clients.get(0).aclFor(COUNTER), CreateMode.PERSISTENT);
        stage.say("setup", "%d workers, one session each, will add 1 to %s %d times each", WORKERS, COUNTER, INCREMENTS);

        runWorkers(clients, (w, c) -> incrementUnlocked(c));
        long unlocked = read(clients.get(0));
        stage.say("no lock", "counter = %d after %d increments: %d updates lost to races", unlocked, total, total - unlocked);

        clients.get(0).unwrap().setData(COUNTER, encode(0), -1);
        List<long[]> holds = new ArrayList<>(); // {worker, token, value written}, in hold order
        runWorkers(clients, (w, c) -> {
            try (SequentialLock lock = SequentialLock.create(c, LOCK)) {
                for (int i = 0; i < INCREMENTS; i++) {
                    try (Lease lease = lock.acquire()) {
                        long value = incrementUnder(lease, c);
                        synchronized (holds) {
                            holds.add(new long[] {w, lease.fencingToken(), value});
                        }
                    }
                }
            }
        });
        report(stage, holds);
        stage.check(read(clients.get(0)) == total, "counter = " + read(clients.get(0)) + ", expected " + total
                + ": no update lost under the lock");
        staleHolder(stage, clients.get(0), clients.get(1), total);
    }

    private static void report(Stage stage, List<long[]> holds) {
        boolean increasing = true;
        for (int i = 0; i < holds.size(); i++) {
            long[] h = holds.get(i);
            if (i < 6) {
                stage.say("worker-" + (h[0] + 1), "holds the lock with fencing token %d, counter -> %d", h[1], h[2]);
            }
            increasing &= i == 0 || h[1] > holds.get(i - 1)[1];
        }
        stage.say("...", "%d more holds", Math.max(0, holds.size() - 6));
        stage.check(increasing, "fencing tokens strictly increase over all " + holds.size() + " holds ("
                + holds.get(0)[1] + " ... " + holds.get(holds.size() - 1)[1] + ")");
    }

    /** A holder whose session expires cannot write any more; the next holder goes on from its value. */
    private static void staleHolder(Stage stage, ZkClient stale, ZkClient next, long value) throws Exception {
        try (SequentialLock lock = SequentialLock.create(stale, LOCK); Lease lease = lock.acquire()) {
            lease.onLost(() -> stage.say("worker-1", "told: lease lost"));
            long read = read(stale);
            stage.say("worker-1", "holds the lock (token %d), reads %d, then pauses longer than its session lasts",
                    lease.fencingToken(), read);
            stage.expire(stale);
            stage.say("worker-1", "wakes up; lease still valid? %s; tries to write %d", lease.isValid(), read + 1);
            boolean refused;
            try {
                lease.guardedWrite(List.of(Op.setData(COUNTER, encode(read + 1), -1)));
                refused = false;
            } catch (LeaseLostException e) {
                refused = true;
            }
            stage.check(refused, "the stale holder's write was refused (its lease was lost with its session)");
            try (SequentialLock nextLock = SequentialLock.create(next, LOCK); Lease nextLease = nextLock.acquire()) {
                long written = incrementUnder(nextLease, next);
                stage.say("worker-2", "takes over with token %d > %d, counter -> %d", nextLease.fencingToken(),
                        lease.fencingToken(), written);
                stage.check(nextLease.fencingToken() > lease.fencingToken() && written == value + 1,
                        "counter = " + written + ", expected " + (value + 1) + ": the new holder continued from the last good value");
            }
        }
    }

    private static void incrementUnlocked(ZkClient c) throws Exception {
        for (int i = 0; i < INCREMENTS; i++) {
            long value = read(c);
            c.retry(() -> c.unwrap().setData(COUNTER, encode(value + 1), -1));
        }
    }

    /** Read, then write through the lease: the write carries the holder's node check in one multi. */
    private static long incrementUnder(Lease lease, ZkClient c) throws Exception {
        long value = read(c) + 1;
        lease.guardedWrite(List.of(Op.setData(COUNTER, encode(value), -1)));
        return value;
    }

    private static long read(ZkClient c) throws KeeperException, InterruptedException {
        byte[] data = c.retry(() -> c.unwrap().getData(COUNTER, false, null));
        return Long.parseLong(new String(data, StandardCharsets.UTF_8));
    }

    private static byte[] encode(long value) {
        return Long.toString(value).getBytes(StandardCharsets.UTF_8);
    }

    @FunctionalInterface
    private interface Worker {
        void work(int index, ZkClient client) throws Exception;
    }

    private static void runWorkers(List<ZkClient> clients, Worker worker) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients.size());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                int index = i;
                done.add(pool.submit(() -> {
                    worker.work(index, clients.get(index));
                    return null;
                }));
            }
            long deadline = System.nanoTime() + PHASE_LIMIT.toNanos();
            for (Future<?> f : done) {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
