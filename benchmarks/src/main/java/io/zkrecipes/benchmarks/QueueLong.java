package io.zkrecipes.benchmarks;

import io.zkrecipes.queue.DistributedQueue;
import io.zkrecipes.queue.Serializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The long queue scenario (ours only, once, no rounds): one producer enqueues {@code --items}
 * 100-byte items (default 200,000) in atomic batches, then four consumers drain them with take().
 */
final class QueueLong {
    static final int BATCH = 500;
    static final int CONSUMERS = 4;

    private QueueLong() {
    }

    static Scenario scenario() {
        return Scenario.longOne("queue-large", "enqueue --items N (default 200000) 100-byte items in batches of "
                + BATCH + ", drain with " + CONSUMERS + " consumers; time and server data size", QueueLong::run);
    }

    private static void run(Env env, Report report) throws Exception {
        int items = env.items();
        String path = env.freshPath("queue-large");
        ServerStats server = new ServerStats(env.connectString());
        double dataBefore = server.read().getOrDefault("zk_approximate_data_size", 0.0);
        DistributedQueue<byte[]> producer = env.closeLater(
                DistributedQueue.builder(env.client(), path, Serializer.bytes()).build());
        long t0 = System.nanoTime();
        List<byte[]> batch = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            batch.add(QueueBench.ITEM);
            if (batch.size() == BATCH || i == items - 1) {
                producer.putAll(batch);
                batch.clear();
            }
        }
        double enqueueSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> full = server.read();
        double dataMb = (full.getOrDefault("zk_approximate_data_size", 0.0) - dataBefore) / 1e6;
        double seconds = drain(env, path, items);
        Samples enqueue = new Samples();
        enqueue.add(items / enqueueSeconds);
        Samples drain = new Samples();
        drain.add(items / seconds);
        report.floor("queue-large-enqueue", "items/s", Figure.rate(enqueue), String.format(
                "ours only; %d items in %.1f s; server data size grew by %.1f MB, znodes %.0f", items, enqueueSeconds,
                dataMb, full.getOrDefault("zk_znode_count", 0.0)));
        report.floor("queue-large-drain", "items/s", Figure.rate(drain), String.format(
                "ours only; %d items in %.1f s by %d consumers", items, seconds, CONSUMERS));
    }

    private static double drain(Env env, String path, int items) throws Exception {
        List<DistributedQueue<byte[]>> consumers = new ArrayList<>();
        for (int i = 0; i < CONSUMERS; i++) {
            consumers.add(env.closeLater(DistributedQueue.builder(env.client(), path, Serializer.bytes()).build()));
        }
        ExecutorService pool = env.closeLater(new LockBench.ClosingPool(CONSUMERS)).pool();
        long t0 = System.nanoTime();
        List<Future<?>> runs = new ArrayList<>();
        for (int i = 0; i < CONSUMERS; i++) {
            DistributedQueue<byte[]> q = consumers.get(i);
            int n = items / CONSUMERS + (i < items % CONSUMERS ? 1 : 0);
            runs.add(pool.submit(() -> {
                for (int k = 0; k < n; k++) {
                    q.take();
                }
                return null;
            }));
        }
        for (Future<?> f : runs) {
            f.get();
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
