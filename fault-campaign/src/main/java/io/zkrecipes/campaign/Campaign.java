package io.zkrecipes.campaign;

import io.zkrecipes.core.ZkClient;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;

/**
 * One run of the fault campaign: starts the ensemble, the fenced store, one proxy and one worker
 * JVM per worker, lets the nemesis work for the run's duration (ending with a quiet stretch, whose
 * second half is the settling: the workers are told to stop changing what others observe), stops
 * the workers, lets each workload finish in the campaign's own process (the queue is drained),
 * merges the histories, runs the checkers and writes the report and the timeline into the run's
 * folder. Every process it starts is stopped when it returns or throws, and on JVM shutdown (Ctrl-C).
 */
final class Campaign {
    private static final Duration QUORUM_WAIT = Duration.ofSeconds(60);
    private static final long WORKER_STOP_SECONDS = 25;
    /** The name under which the campaign records what it does itself once the workers stopped. */
    static final String CAMPAIGN = "campaign";

    /** What to run. */
    record Settings(long seed, Duration duration, int workers, List<String> workloads, boolean unfenced,
            Duration sessionTimeout, Path folder, String command) {
        Settings {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be at least 1, was " + workers);
            }
            if (duration.toSeconds() < 20) {
                throw new IllegalArgumentException("duration must be at least 20 s, was " + duration);
            }
            workloads.forEach(Workload::named);
        }

        /** Quiet time at the end, so that the run ends on a healed system. */
        long quietMillis() {
            return Math.min(15_000, duration.toMillis() / 4);
        }

        /**
         * The end of the quiet time, when the workers settle: the first half of the quiet time lets
         * the clients recover from the last fault, the second lets the observers converge.
         */
        long settleMillis() {
            return quietMillis() / 2;
        }
    }

    /** What a run found; the times are monotonic nanoseconds, of the start, the settling and the stop. */
    record Result(Path folder, long startWall, long startMono, long settleMono, long stopMono, List<FaultWindow> faults,
            List<Operation> operations, List<Checker.Verdict> verdicts) {
        boolean passed() {
            return violationCount() == 0;
        }

        int violationCount() {
            return verdicts.stream().mapToInt(v -> v.violations().size()).sum();
        }
    }

    private Campaign() {
    }

    static String workerName(int index) {
        return "w" + (index + 1);
    }

    /** The index of worker {@code name}, or -1. */
    static int workerIndex(String name) {
        try {
            return Integer.parseInt(name.substring(1)) - 1;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** A run's histories are merged from its folder: one left by an earlier run would be checked again. */
    private static void requireEmpty(Path folder) throws IOException {
        try (var entries = Files.list(folder)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException("run folder " + folder + " is not empty (an earlier run's histories"
                        + " would be merged into this one's); give a new or empty folder");
            }
        }
    }

    static Result run(Settings s, PrintStream log) throws IOException, InterruptedException {
        Path folder = Files.createDirectories(s.folder());
        requireEmpty(folder);
        Files.createDirectories(folder.resolve("workers"));
        List<Fault> schedule = Nemesis.schedule(s.seed(), s.duration().toMillis(), s.quietMillis(), s.workers(),
                s.sessionTimeout().toMillis(), s.workloads().contains(LockWorkload.NAME));
        List<WorkerProxy> proxies = new ArrayList<>();
        try (Processes processes = new Processes();
                FencedStore store = new FencedStore(!s.unfenced(), folder.resolve("store.history"))) {
            String classpath = Java.classpath();
            Ensemble ensemble = new Ensemble(folder, classpath, processes, new Ports());
            log.println("starting 3 servers in " + folder);
            ensemble.start(QUORUM_WAIT);
            prepare(ensemble.connectString());
            List<Process> workers = new ArrayList<>();
            for (int i = 0; i < s.workers(); i++) {
                proxies.add(new WorkerProxy(workerName(i), ensemble.clientPorts()));
                workers.add(startWorker(s, i, proxies.get(i), store, classpath, processes));
            }
            long startWall = System.currentTimeMillis();
            long startMono = System.nanoTime();
            log.printf("running %d workers (%s) for %d s, %d faults scheduled, seed %d%n", s.workers(),
                    String.join(",", s.workloads()), s.duration().toSeconds(), schedule.size(), s.seed());
            Nemesis nemesis = new Nemesis(ensemble, proxies, workers, processes, store, log);
            Phases phases = runWorkers(s, workers, new Phases(startWall, startMono, 0, 0),
                    () -> nemesis.run(schedule, startMono), log);
            afterRun(s, ensemble.connectString());
            return finish(s, folder, phases, nemesis.windows(), store.events(), log);
        } finally {
            proxies.forEach(WorkerProxy::close);
        }
    }

    /** When the run started, settled and began to stop. */
    private record Phases(long startWall, long startMono, long settleMono, long stopMono) {
    }

    /** The nemesis until the settling, the settling until the end of the duration, then the stop. */
    private static Phases runWorkers(Settings s, List<Process> workers, Phases start, Interruptible nemesis,
            PrintStream log) throws InterruptedException {
        runFor(s.duration().minusMillis(s.settleMillis()), start.startMono(), nemesis);
        long settleMono = System.nanoTime();
        log.println("settling: " + s.settleMillis() + " ms without changes before the stop");
        settle(workers);
        sleepUntil(start.startMono() + s.duration().toNanos());
        long stopMono = System.nanoTime();
        log.println("stopping the workers");
        stopWorkers(workers);
        return new Phases(start.startWall(), start.startMono(), settleMono, stopMono);
    }

    private static ZkClient connect(String connectString) throws InterruptedException, IOException {
        ZkClient client = ZkClient.builder(connectString).build();
        client.start();
        if (!client.awaitConnected(Duration.ofSeconds(30))) {
            client.close();
            throw new IOException("could not connect to the ensemble at " + connectString);
        }
        return client;
    }

    /** The nodes the workloads share and do not create themselves. */
    private static void prepare(String connectString) throws InterruptedException, IOException {
        try (ZkClient client = connect(connectString)) {
            for (String path : List.of("/campaign", ElectionWorkload.DATA)) {
                try {
                    client.retry(() -> client.unwrap().create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT));
                } catch (KeeperException.NodeExistsException exists) {
                    // a retried create that had succeeded
                } catch (KeeperException e) {
                    throw new IOException("could not create " + path, e);
                }
            }
        }
    }

    private static Process startWorker(Settings s, int index, WorkerProxy proxy, FencedStore store, String classpath,
            Processes processes) throws IOException {
        String name = workerName(index);
        Path dir = s.folder().resolve("workers");
        long lifetime = s.duration().toMillis() + 60_000; // a worker outlives no campaign by much
        List<String> command = List.of(Java.executable(), "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper=error", "-cp", classpath,
                Worker.class.getName(), name, proxy.connectString(), Integer.toString(store.port()),
                dir.resolve(name + ".history").toString(), String.join(",", s.workloads()),
                Long.toString(s.sessionTimeout().toMillis()), Long.toString(s.seed() * 31 + index),
                Long.toString(lifetime));
        return processes.start(command, dir.resolve(name + ".log"));
    }

    /** Runs the nemesis on a thread of its own and returns once {@code duration} is up, the nemesis healed. */
    private static void runFor(Duration duration, long startMono, Interruptible nemesis) throws InterruptedException {
        Thread thread = new Thread(() -> {
            try {
                nemesis.run();
            } catch (InterruptedException e) {
                // time is up
            }
        }, "nemesis");
        thread.start();
        try {
            long left = startMono + duration.toNanos() - System.nanoTime();
            TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1, left));
            sleepUntil(startMono + duration.toNanos());
        } finally {
            thread.interrupt();
            thread.join(30_000);
        }
    }

    private static void sleepUntil(long mono) throws InterruptedException {
        long rest = mono - System.nanoTime();
        if (rest > 0) {
            TimeUnit.NANOSECONDS.sleep(rest);
        }
    }

    /** Sends each worker the line that makes its workloads settle. */
    private static void settle(List<Process> workers) {
        for (Process worker : workers) {
            try {
                OutputStream in = worker.getOutputStream();
                in.write((Worker.SETTLE + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            } catch (IOException gone) {
                // a worker that died is no observer to wait for
            }
        }
    }

    /** What each workload does in the campaign's process once the workers stopped, recorded as {@value #CAMPAIGN}. */
    private static void afterRun(Settings s, String connectString) throws IOException, InterruptedException {
        Path file = s.folder().resolve("workers").resolve(CAMPAIGN + ".history");
        try (ZkClient client = connect(connectString); HistoryWriter history = new HistoryWriter(CAMPAIGN, file)) {
            for (String name : s.workloads()) {
                Workload.named(name).afterRun(client, history);
            }
        }
    }

    /** Closes each worker's standard input (its signal to stop), then kills those still running. */
    private static void stopWorkers(List<Process> workers) throws InterruptedException {
        for (Process worker : workers) {
            try (OutputStream in = worker.getOutputStream()) {
                in.flush();
            } catch (IOException gone) {
                // already dead
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WORKER_STOP_SECONDS);
        for (Process worker : workers) {
            long left = deadline - System.nanoTime();
            if (!worker.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                Processes.kill(worker);
            }
        }
    }

    private static Result finish(Settings s, Path folder, Phases phases, List<FaultWindow> faults,
            List<StoreEvent> storeEvents, PrintStream log) throws IOException {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < s.workers(); i++) {
            files.add(folder.resolve("workers").resolve(workerName(i) + ".history"));
        }
        files.add(folder.resolve("workers").resolve(CAMPAIGN + ".history"));
        List<Operation> ops = Histories.merge(files);
        Histories.write(ops, folder.resolve("history.tsv"));
        List<String> faultLines = new ArrayList<>();
        faults.forEach(f -> faultLines.add(f.line()));
        Files.write(folder.resolve("faults.tsv"), faultLines, StandardCharsets.UTF_8);
        Checker.Evidence evidence = new Checker.Evidence(ops, storeEvents, phases.stopMono());
        List<Checker.Verdict> verdicts = new ArrayList<>();
        for (Checker checker : Checker.all()) {
            if (s.workloads().contains(checker.workload())) {
                verdicts.add(checker.check(evidence));
            }
        }
        Result result = new Result(folder, phases.startWall(), phases.startMono(), phases.settleMono(),
                phases.stopMono(), faults, ops, verdicts);
        Report.write(folder.resolve("report.md"), s, result);
        Timeline.write(folder.resolve("timeline.png"), "seed " + s.seed() + (s.unfenced() ? ", unfenced store" : "")
                + ": operations, faults and violations", s.workers(), result);
        for (Checker.Verdict v : verdicts) {
            log.printf("%-8s %-60s checked %5d, violations %d%n", v.checker(), v.property(), v.checked(),
                    v.violations().size());
        }
        log.println("report: " + folder.resolve("report.md"));
        return result;
    }

    /** A body that may be interrupted. */
    @FunctionalInterface
    interface Interruptible {
        void run() throws InterruptedException;
    }
}
