package io.zkrecipes.examples;

import io.zkrecipes.config.ConfigStore;
import io.zkrecipes.config.ConfigSubscription;
import io.zkrecipes.config.ConfigUpdate;
import io.zkrecipes.core.ZkClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Config example: a publisher changes an application's settings; two subscribers, each in its own
 * session, print what they see. A two-key change is published as one transaction and never seen in
 * part. One subscriber's session expires while the publisher keeps writing: it resyncs by itself and
 * both end with exactly the publisher's configuration, each key's value only ever moving forward.
 *
 * <p>Run: {@code mvn -q -pl examples exec:java -Dexec.args="config [--connect host:port,...]"}.
 */
public final class ConfigExample {
    private static final String ROOT = "/config/orders-service";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private ConfigExample() {
    }

    /** Runs the example; exits with status 1 if a checked fact did not hold. */
    public static void main(String[] args) {
        Example.exit(run(args, System.out));
    }

    static boolean run(String[] args, PrintStream out) {
        return Example.run("config", ConfigExample::play, args, out);
    }

    /** What one subscriber saw: every snapshot, in order. */
    private record Seen(String who, List<Map<String, String>> snapshots) {
        Map<String, String> last() {
            return snapshots.isEmpty() ? Map.of() : snapshots.get(snapshots.size() - 1);
        }
    }

    static void play(Stage stage) throws Exception {
        try (ConfigStore publisher = ConfigStore.create(stage.client(), ROOT)) {
            publisher.putAll(Map.of("pool.size", "8", "timeout", "2s", "feature.fast-path", "off"));
            stage.say("publisher", "publishes pool.size=8, timeout=2s, feature.fast-path=off");
            List<ZkClient> clients = List.of(stage.client(), stage.client());
            List<Seen> seen = new ArrayList<>();
            List<ConfigStore> stores = new ArrayList<>();
            List<ConfigSubscription> subscriptions = new ArrayList<>();
            try {
                for (int i = 0; i < clients.size(); i++) {
                    Seen s = new Seen("subscriber-" + (i + 1), new CopyOnWriteArrayList<>());
                    seen.add(s);
                    ConfigStore store = ConfigStore.create(clients.get(i), ROOT);
                    stores.add(store);
                    subscriptions.add(store.subscribe(update -> print(stage, s, update)));
                }
                publish(stage, publisher, seen, clients.get(1));
            } finally {
                subscriptions.forEach(Stage::closeQuietly);
                stores.forEach(Stage::closeQuietly);
            }
        }
    }

    private static void publish(Stage stage, ConfigStore publisher, List<Seen> seen, ZkClient paused) throws Exception {
        awaitAll(seen, Map.of("pool.size", "8", "timeout", "2s", "feature.fast-path", "off"));
        stage.say("publisher", "sets pool.size=16");
        publisher.put("pool.size", "16");
        stage.say("publisher", "turns feature.fast-path on and timeout to 5s, in one transaction");
        publisher.putAll(Map.of("feature.fast-path", "on", "timeout", "5s"));
        awaitAll(seen, Map.of("pool.size", "16", "timeout", "5s", "feature.fast-path", "on"));
        stage.say("subscriber-2", "is paused longer than its session lasts: its session expires");
        stage.expire(paused, () -> {
            stage.say("publisher", "sets pool.size=32 while subscriber-2 has no session");
            publisher.put("pool.size", "32");
        });
        Map<String, String> expected = new TreeMap<>(publisher.snapshot());
        boolean converged = awaitAll(seen, expected);
        stage.check(converged, "both subscribers ended with the publisher's configuration " + expected);
        for (Seen s : seen) {
            boolean torn = s.snapshots().stream()
                    .anyMatch(m -> "on".equals(m.get("feature.fast-path")) && "2s".equals(m.get("timeout")));
            List<String> sizes = s.snapshots().stream().map(m -> m.get("pool.size")).distinct().toList();
            stage.check(!torn, s.who() + " never saw half of the two-key transaction");
            stage.check(sizes.equals(List.of("8", "16", "32")) || sizes.equals(List.of("8", "32"))
                    || sizes.equals(List.of("16", "32")), s.who() + " saw pool.size only move forward: " + sizes);
        }
    }

    private static boolean awaitAll(List<Seen> seen, Map<String, String> expected) throws InterruptedException {
        return Stage.await(() -> seen.stream().allMatch(s -> s.last().equals(expected)), WAIT);
    }

    private static void print(Stage stage, Seen s, ConfigUpdate update) {
        s.snapshots().add(update.snapshot());
        if (update.initial()) {
            stage.say(s.who(), "starts with %s", new TreeMap<>(update.snapshot()));
            return;
        }
        String changes = update.changes().stream()
                .map(c -> c.key() + " " + c.oldValue() + " -> " + c.newValue())
                .sorted().collect(Collectors.joining(", "));
        stage.say(s.who(), "sees %s%s", changes, update.changes().size() > 1 ? " (in one update)" : "");
    }

}
