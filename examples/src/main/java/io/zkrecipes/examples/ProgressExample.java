package io.zkrecipes.examples;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.state.NodeState;
import io.zkrecipes.state.NodeWatcher;
import io.zkrecipes.state.OwnedNode;
import io.zkrecipes.state.SharedValue;
import io.zkrecipes.state.TreeEvent;
import io.zkrecipes.state.TreeUpdate;
import io.zkrecipes.state.TreeWatcher;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Progress example: a manager hands out tasks by writing one node per worker; each worker follows
 * its assignment with a {@link NodeWatcher} and reports its progress into an {@link OwnedNode} (an
 * ephemeral node the library keeps alive); the manager's {@link TreeWatcher} prints every report
 * as it lands. One worker's process dies mid-task: its node disappears and the manager sees it go.
 *
 * <p>Run: {@code mvn -q -pl examples exec:java -Dexec.args="progress [--connect host:port,...]"}.
 */
public final class ProgressExample {
    private static final String ASSIGNED = "/tasks/assigned";
    private static final String PROGRESS = "/tasks/progress";
    private static final int WORKERS = 3;
    /** The worker whose process dies, after reporting this far. */
    private static final String DOOMED = "worker-3";
    private static final int DOOMED_STOPS_AT = 50;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private ProgressExample() {
    }

    /** Runs the example; exits with status 1 if a checked fact did not hold. */
    public static void main(String[] args) {
        Example.exit(run(args, System.out));
    }

    static boolean run(String[] args, PrintStream out) {
        return Example.run("progress", ProgressExample::play, args, out);
    }

    /** What the manager's tree watcher showed: each worker's percentages in order, and who went. */
    private record Board(Map<String, List<Integer>> percents, Set<String> gone) {
        Board() {
            this(new ConcurrentHashMap<>(), ConcurrentHashMap.newKeySet());
        }

        int last(String worker) {
            List<Integer> seen = percents.getOrDefault(worker, List.of());
            return seen.isEmpty() ? -1 : seen.get(seen.size() - 1);
        }
    }

    static void play(Stage stage) throws Exception {
        ZkClient manager = stage.client();
        Board board = new Board();
        ExecutorService threads = Executors.newFixedThreadPool(WORKERS);
        List<Worker> workers = new ArrayList<>();
        try (TreeWatcher watcher = TreeWatcher.create(manager, PROGRESS)) {
            watcher.addListener(update -> show(stage, update, board));
            watcher.start();
            for (int i = 1; i <= WORKERS; i++) {
                workers.add(new Worker("worker-" + i, stage.client()));
            }
            assign(stage, manager, workers);
            List<Future<?>> runs = new ArrayList<>();
            for (Worker w : workers) {
                runs.add(threads.submit(() -> w.work(stage)));
            }
            for (Future<?> run : runs) {
                run.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            check(stage, watcher, board, workers);
        } finally {
            workers.forEach(Stage::closeQuietly);
            threads.shutdownNow();
        }
    }

    private static void assign(Stage stage, ZkClient manager, List<Worker> workers) throws Exception {
        for (int i = 0; i < workers.size(); i++) {
            String worker = workers.get(i).name;
            String task = "resize-batch-" + (i + 1);
            try (SharedValue<String> assignment = SharedValue.ofString(manager, ASSIGNED + "/" + worker)) {
                assignment.set(task);
            }
            stage.say("manager", "assigns %s to %s", task, worker);
        }
    }

    /** Runs on the watcher's listener lane: one update at a time, in zxid order. */
    private static void show(Stage stage, TreeUpdate update, Board board) {
        for (TreeEvent e : update.events()) {
            String worker = e.path().substring(e.path().lastIndexOf('/') + 1);
            if (!e.path().startsWith(PROGRESS + "/")) {
                continue; // the directory itself
            }
            if (e.type() == TreeEvent.Type.REMOVED) {
                board.gone().add(worker);
                stage.say("manager", "%s's node is gone: its process died", worker);
                continue;
            }
            String report = e.current().text();
            stage.say("manager", "sees %s: %s", worker, report);
            int percent = percentOf(report);
            if (percent >= 0) {
                board.percents().computeIfAbsent(worker, w -> new CopyOnWriteArrayList<>()).add(percent);
            }
        }
    }

    private static void check(Stage stage, TreeWatcher watcher, Board board, List<Worker> workers)
            throws InterruptedException {
        for (Worker w : workers) {
            if (!w.name.equals(DOOMED)) {
                stage.check(Stage.await(() -> board.last(w.name) == 100, WAIT),
                        "the manager saw " + w.name + " reach 100%");
            }
        }
        stage.check(Stage.await(() -> board.gone().contains(DOOMED), WAIT)
                        && !watcher.snapshot().containsKey(PROGRESS + "/" + DOOMED),
                DOOMED + "'s node disappeared from the manager's view when its process died");
        boolean forward = board.percents().values().stream().allMatch(ProgressExample::ascending);
        stage.check(forward, "every worker's progress only moved forward in the manager's view");
    }

    private static boolean ascending(List<Integer> percents) {
        for (int i = 1; i < percents.size(); i++) {
            if (percents.get(i) < percents.get(i - 1)) {
                return false;
            }
        }
        return true;
    }

    /** "resize-batch-1 50%" gives 50; -1 when the report carries no percentage ("idle"). */
    private static int percentOf(String report) {
        int space = report.lastIndexOf(' ');
        if (space < 0 || !report.endsWith("%")) {
            return -1;
        }
        return Integer.parseInt(report.substring(space + 1, report.length() - 1));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** One worker process: its client, its assignment, its progress node. */
    private static final class Worker implements AutoCloseable {
        final String name;
        final ZkClient client;
        final NodeWatcher assignment;
        final OwnedNode report;
        final CompletableFuture<String> task = new CompletableFuture<>();

        Worker(String name, ZkClient client) {
            this.name = name;
            this.client = client;
            this.report = OwnedNode.create(client, PROGRESS + "/" + name, bytes("idle"));
            this.assignment = NodeWatcher.create(client, ASSIGNED + "/" + name);
            assignment.addListener((previous, current) -> assigned(current));
            report.start();
            assignment.start();
        }

        private void assigned(NodeState current) {
            if (current != null) {
                task.complete(current.text());
            }
        }

        /** Works through the task in steps, reporting each; the doomed worker's process dies half-way. */
        Void work(Stage stage) throws Exception {
            String t = task.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            stage.say(name, "starts %s", t);
            for (int percent = 0; percent <= 100; percent += 25) {
                report.setData(bytes(t + " " + percent + "%")); // returns at once; the library writes it
                if (name.equals(DOOMED) && percent >= DOOMED_STOPS_AT) {
                    report.awaitSynced(WAIT);
                    stage.say(name, "dies at %d%%: its session ends with its process", percent);
                    stage.kill(client);
                    return null;
                }
                TimeUnit.MILLISECONDS.sleep(150); // the work itself
            }
            return null;
        }

        @Override
        public void close() {
            Stage.closeQuietly(assignment);
            Stage.closeQuietly(report);
        }
    }
}
