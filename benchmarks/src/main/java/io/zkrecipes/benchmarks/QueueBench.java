package io.zkrecipes.benchmarks;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.queue.DistributedQueue;
import io.zkrecipes.queue.Serializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.queue.SimpleDistributedQueue;
import org.apache.curator.framework.state.ConnectionState;

/**
 * Queue throughput end to end: producers put 100-byte items, consumers take them, each on its
 * own session; items per second from the first put to the last take. Ours is DistributedQueue's
 * put and take; Curator's are DistributedQueue (a consumer callback) and SimpleDistributedQueue.
 */
final class QueueBench {
    static final byte[] ITEM = FloorScenarios.ITEM;

    /** One simulated process's end of a queue: puts, or consumes into {@code taken}. */
    interface Process {
        /** Puts one item; returns when it is in the queue. */
        void put(String path, byte[] item) throws Exception;

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
                public void put(String path, byte[] item) throws Exception {
                    queue(path).put(item);
                }

                @Override
                public Future<?> consume(String path, int count, CountDownLatch taken, ExecutorService pool)
                        throws Exception {
                    DistributedQueue<byte[]> q = queue(path);
                    return pool.submit(() -> {
                        for (int i = 0; i < count; i++) {
                            q.take();
                            taken.countDown();
                        }
                        return null;
                    });
                }
            };
        };
    }

    static Maker curatorSimple() {
        return env -> {
            CuratorFramework curator = env.curator();
            return new Process() {
                @Override
                public void put(String path, byte[] item) throws Exception {
                    new SimpleDistributedQueue(curator, path).offer(item);
                }

                @Override
                public Future<?> consume(String path, int count, CountDownLatch taken, ExecutorService pool) {
                    SimpleDistributedQueue q = new SimpleDistributedQueue(curator, path);
                    return pool.submit(() -> {
                        for (int i = 0; i < count; i++) {
                            q.take();
                            taken.countDown();
                        }
                        return null;
                    });
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
                public void put(String path, byte[] item) throws Exception {
                    if (!path.equals(at)) {
                        producer = env.closeLater(QueueBuilder.builder(curator, null, BYTES, path).buildQueue());
                        producer.start();
                        at = path;
                    }
                    producer.put(item);
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

    /** A prepared side: the trial gives items/s; each round also records server requests per item. */
    record Prepared(Env.Trial trial, Samples requests) {
    }

    /**
     * Items/s for {@code producers} and {@code consumers} processes moving {@code items} items in
     * all through a fresh queue per round.
     */
    static Prepared prepare(Env env, Maker maker, int producers, int consumers, int items) throws Exception {
        ServerStats server = new ServerStats(env.connectString());
        Samples requests = new Samples();
        Env.Trial moving = moving(env, maker, producers, consumers, items);
        return new Prepared(() -> {
            Map<String, Double> before = server.read();
            double rate = moving.run();
            requests.add(ServerStats.traffic(before, server.read()).per(items).requests());
            return rate;
        }, requests);
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
        ExecutorService pool = env.closeLater(new LockBench.ClosingPool(producers + consumers)).pool();
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
                    for (int k = 0; k < n; k++) {
                        p.put(path, ITEM);
                    }
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
