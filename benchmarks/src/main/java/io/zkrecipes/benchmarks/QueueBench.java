package io.zkrecipes.benchmarks;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.queue.DistributedPriorityQueue;
import io.zkrecipes.queue.DistributedQueue;
import io.zkrecipes.queue.Serializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.queue.SimpleDistributedQueue;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Queue throughput end to end: producers put 100-byte items, consumers take them, each on its
 * own session; items per second from the first put to the last take. Ours is DistributedQueue's
 * putAsync (pipelined; Curator has no pipelined put) and take; Curator's are DistributedQueue (a
 * consumer callback) and SimpleDistributedQueue, whose puts are one at a time.
 */
final class QueueBench {
    static final byte[] ITEM = FloorScenarios.ITEM;
    private static final String ZXID_PROBE = "/bench/zxid-probe";
    /** Taking threads per consumer process. */
    static final int TAKERS = 8;

    /** One simulated process's end of a queue: puts, or consumes into {@code taken}. */
    interface Process {
        /** Puts {@code count} copies of {@code item}; returns when all are in the queue. */
        void put(String path, int count, byte[] item) throws Exception;

        /** Starts consuming {@code count} items of the queue at {@code path}, counting down {@code taken}. */
        Future<?> consume(String path, int count, CountDownLatch taken, ExecutorService pool) throws Exception;
    }

    /** Opens a session of its own. */
    @FunctionalInterface
    interface Maker {
        Process open(Env env) throws Exception;
    }

    private QueueBench() {
    }

    static Maker ours() {
        return env -> {
            ZkClient client = env.client();
            return new Process() {
                private DistributedQueue<byte[]> queue;
                private String at;

                private DistributedQueue<byte[]> queue(String path) throws InterruptedException {
                    if (!path.equals(at)) {
                        if (queue != null) {
                            queue.close();
                        }
                        queue = DistributedQueue.builder(client, path, Serializer.bytes()).build();
                        at = path;
                    }
                    return queue;
                }

                @Override
                public void put(String path, int count, byte[] item) throws Exception {
                    DistributedQueue<byte[]> q = queue(path);
                    // pipelined: up to maxPutsInFlight puts on the wire, applied in order
                    List<CompletableFuture<Void>> puts = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        puts.add(q.putAsync(item));
                    }
                    CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).get();
                }

                @Override
                public Future<?> consume(String path, int count, CountDownLatch taken, ExecutorService pool)
                        throws Exception {
                    DistributedQueue<byte[]> q = queue(path);
                    return takers(count, taken, pool, q::take);
                }
            };
        };
    }

    static Maker curatorSimple() {
        return env -> {
            CuratorFramework curator = env.curator();
            return new Process() {
                @Override
                public void put(String path, int count, byte[] item) throws Exception {
                    SimpleDistributedQueue q = new SimpleDistributedQueue(curator, path);
                    for (int i = 0; i < count; i++) {
                        q.offer(item);
                    }
                }

                @Override
                public Future<?> consume(String path, int count, CountDownLatch taken, ExecutorService pool) {
                    SimpleDistributedQueue q = new SimpleDistributedQueue(curator, path);
                    return takers(count, taken, pool, q::take);
                }
            };
        };
    }

    static Maker curatorDistributed() {
        return env -> {
            CuratorFramework curator = env.curator();
            return new Process() {
                private org.apache.curator.framework.recipes.queue.DistributedQueue<byte[]> producer;
                private String at;

                @Override
                public void put(String path, int count, byte[] item) throws Exception {
                    if (!path.equals(at)) {
                        producer = env.closeLater(QueueBuilder.builder(curator, null, BYTES, path).buildQueue());
                        producer.start();
                        at = path;
                    }
                    for (int i = 0; i < count; i++) {
                        producer.put(item);
                    }
                }

                @Override
                public Future<?> consume(String path, int count, CountDownLatch taken, ExecutorService pool)
                        throws Exception {
                    env.closeLater(QueueBuilder.builder(curator, counting(taken), BYTES, path).buildQueue()).start();
                    return null;
                }
            };
        };
    }

    /** Priorities the priority scenarios cycle through, item by item. */
    static final int PRIORITY_LEVELS = 4;

    /** Our DistributedPriorityQueue: pipelined puts cycling through the priorities, blocking takes. */
    static Maker oursPriority() {
        return env -> {
            ZkClient client = env.client();
            return new Process() {
                private DistributedPriorityQueue<byte[]> queue;
                private String at;

                private DistributedPriorityQueue<byte[]> queue(String path) {
                    if (!path.equals(at)) {
                        if (queue != null) {
                            queue.close();
                        }
                        queue = DistributedPriorityQueue.builder(client, path, Serializer.bytes()).build();
                        at = path;
                    }
                    return queue;
                }

                @Override
                public void put(String path, int count, byte[] item) throws Exception {
                    DistributedPriorityQueue<byte[]> q = queue(path);
                    List<CompletableFuture<Void>> puts = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        puts.add(q.putAsync(item, i % PRIORITY_LEVELS));
                    }
                    CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).get();
                }

                @Override
                public Future<?> consume(String path, int count, CountDownLatch taken, ExecutorService pool) {
                    DistributedPriorityQueue<byte[]> q = queue(path);
                    return takers(count, taken, pool, q::take);
                }
            };
        };
    }

    /**
     * Curator's DistributedPriorityQueue, puts cycling through the priorities; its consumer re-reads
     * the queue after every item ({@code minItemsBeforeRefresh} 0), so that a new urgent item is
     * served next, as ours is once its watch fires.
     */
    static Maker curatorPriority() {
        return env -> {
            CuratorFramework curator = env.curator();
            return new Process() {
                private org.apache.curator.framework.recipes.queue.DistributedPriorityQueue<byte[]> producer;
                private String at;

                @Override
                public void put(String path, int count, byte[] item) throws Exception {
                    if (!path.equals(at)) {
                        producer = env.closeLater(QueueBuilder.builder(curator, null, BYTES, path)
                                .buildPriorityQueue(0));
                        producer.start();
                        at = path;
                    }
                    for (int i = 0; i < count; i++) {
                        producer.put(item, i % PRIORITY_LEVELS);
                    }
                }

                @Override
                public Future<?> consume(String path, int count, CountDownLatch taken, ExecutorService pool)
                        throws Exception {
                    env.closeLater(QueueBuilder.builder(curator, counting(taken), BYTES, path).buildPriorityQueue(0))
                            .start();
                    return null;
                }
            };
        };
    }

    /** One blocking take. */
    @FunctionalInterface
    interface Take {
        Object take() throws Exception;
    }

    /**
     * {@link #TAKERS} threads of one process taking {@code count} items in all from one queue
     * object, so that takes are in flight together on the process's session (ours and Curator's
     * SimpleDistributedQueue alike; Curator's DistributedQueue consumes with its own threads).
     */
    static Future<?> takers(int count, CountDownLatch taken, ExecutorService pool, Take take) {
        AtomicInteger left = new AtomicInteger(count);
        List<Future<?>> threads = new ArrayList<>();
        for (int t = 0; t < TAKERS; t++) {
            threads.add(pool.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    take.take();
                    taken.countDown();
                }
                return null;
            }));
        }
        return CompletableFuture.runAsync(() -> threads.forEach(f -> {
            try {
                f.get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
    }

    /** A prepared side: the trial gives items/s; each round also records server requests and writes per item. */
    record Prepared(Env.Trial trial, Samples requests, Samples writes) {
    }

    /**
     * Items/s for {@code producers} and {@code consumers} processes moving {@code items} items in
     * all through a fresh queue per round.
     */
    static Prepared prepare(Env env, Maker maker, int producers, int consumers, int items) throws Exception {
        ServerStats server = new ServerStats(env.connectString());
        Samples requests = new Samples();
        Samples writes = new Samples();
        Env.Trial moving = moving(env, maker, producers, consumers, items);
        ZooKeeper probe = env.client().unwrap();
        try {
            probe.create(ZXID_PROBE, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
            // made by the other side's preparation
        }
        return new Prepared(() -> {
            Map<String, Double> before = server.read();
            long zxid = lastZxid(probe);
            double rate = moving.run();
            requests.add(ServerStats.traffic(before, server.read()).per(items).requests());
            // every transaction the server logged in between, failed multis and creates included, less the probe's own
            writes.add((lastZxid(probe) - zxid - 1) / (double) items);
            return rate;
        }, requests, writes);
    }

    /**
     * The zxid of a write made now: the server gives each transaction it logs, applied or failed,
     * the next zxid, so the difference between two probes counts the writes in between.
     */
    private static long lastZxid(ZooKeeper probe) throws KeeperException, InterruptedException {
        return probe.setData(ZXID_PROBE, new byte[0], -1).getMzxid();
    }

    private static Env.Trial moving(Env env, Maker maker, int producers, int consumers, int items) throws Exception {
        List<Process> puts = new ArrayList<>();
        List<Process> takes = new ArrayList<>();
        for (int i = 0; i < producers; i++) {
            puts.add(maker.open(env));
        }
        for (int i = 0; i < consumers; i++) {
            takes.add(maker.open(env));
        }
        ExecutorService pool = env.closeLater(new LockBench.ClosingPool(producers + consumers * TAKERS)).pool();
        return () -> {
            String path = env.freshPath("queue");
            CountDownLatch taken = new CountDownLatch(items);
            List<Future<?>> runs = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < consumers; i++) {
                runs.add(takes.get(i).consume(path, share(items, consumers, i), taken, pool));
            }
            for (int i = 0; i < producers; i++) {
                Process p = puts.get(i);
                int n = share(items, producers, i);
                runs.add(pool.submit(() -> {
                    p.put(path, n, ITEM);
                    return null;
                }));
            }
            if (!taken.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(taken.getCount() + " of " + items + " items not taken in 120 s");
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            for (Future<?> f : runs) {
                if (f != null) {
                    f.get();
                }
            }
            return items / seconds;
        };
    }

    private static int share(int items, int parts, int i) {
        return items / parts + (i < items % parts ? 1 : 0);
    }

    private static QueueConsumer<byte[]> counting(CountDownLatch taken) {
        return new QueueConsumer<>() {
            @Override
            public void consumeMessage(byte[] message) {
                taken.countDown();
            }

            @Override
            public void stateChanged(CuratorFramework client, ConnectionState newState) {
            }
        };
    }

    private static final QueueSerializer<byte[]> BYTES = new QueueSerializer<>() {
        @Override
        public byte[] serialize(byte[] item) {
            return item;
        }

        @Override
        public byte[] deserialize(byte[] bytes) {
            return bytes;
        }
    };
}
