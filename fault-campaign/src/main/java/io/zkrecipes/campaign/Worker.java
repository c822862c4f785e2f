package io.zkrecipes.campaign;

import io.zkrecipes.core.ZkClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The main of a worker JVM: one client, through the worker's proxy, running the named workloads
 * side by side until the campaign closes the worker's standard input (or the campaign dies, which
 * closes it too), or its lifetime runs out. Then it stops its workloads, closes its client and exits.
 * A line {@value #SETTLE} on standard input, sent once the faults are over, tells the workloads to
 * stop changing what others observe, so that the observers can be checked for convergence.
 *
 * <p>Arguments: {@code id connectString storePort historyFile workloads sessionTimeoutMillis seed
 * lifetimeMillis}, workloads comma-separated.
 */
public final class Worker {
    /** The campaign's line to a worker when the faults are over and the run settles. */
    static final String SETTLE = "settle";

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean settling;

    private Worker() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            throw new IllegalArgumentException("usage: Worker id connect storePort history workloads"
                    + " sessionTimeoutMillis seed lifetimeMillis");
        }
        new Worker().run(args);
        System.exit(0);
    }

    private void run(String[] a) throws IOException, InterruptedException {
        String id = a[0];
        watchStandardInput();
        ZkClient client = ZkClient.builder(a[1]).sessionTimeout(Duration.ofMillis(Long.parseLong(a[5])))
                .connectionTimeout(Duration.ofSeconds(30)).build();
        try (HistoryWriter history = new HistoryWriter(id, Path.of(a[3]));
                StoreClient store = new StoreClient(id, Integer.parseInt(a[2]))) {
            client.start();
            Random seeds = new Random(Long.parseLong(a[6]));
            List<Thread> threads = new ArrayList<>();
            for (String name : a[4].split(",")) {
                Workload workload = Workload.named(name);
                Workload.Context ctx = new Workload.Context(id, client, store, history, new Random(seeds.nextLong()),
                        () -> running, () -> settling);
                threads.add(start(id + "-" + name, workload, ctx));
            }
            stop.await(Long.parseLong(a[7]), TimeUnit.MILLISECONDS);
            running = false;
            for (Thread t : threads) {
                t.interrupt();
                t.join(10_000);
            }
        } finally {
            client.close();
        }
    }

    private Thread start(String name, Workload workload, Workload.Context ctx) {
        Thread thread = new Thread(() -> {
            while (running) {
                try {
                    workload.run(ctx);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // a failure the workload did not expect: say so and start the workload again
                    if (running) {
                        e.printStackTrace();
                        try {
                            ctx.pause(200, 500);
                        } catch (InterruptedException stopping) {
                            return;
                        }
                    }
                }
            }
        }, name);
        thread.start();
        return thread;
    }

    /** Standard input is the campaign's line to the worker: {@value #SETTLE} means settle, its end means stop. */
    private void watchStandardInput() {
        Thread watcher = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.equals(SETTLE)) {
                        settling = true;
                    }
                }
            } catch (IOException e) {
                // treated as the end
            }
            stop.countDown();
        }, "stdin-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
