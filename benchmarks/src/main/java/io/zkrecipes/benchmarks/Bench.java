package io.zkrecipes.benchmarks;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.test.TestingServer;

/**
 * Runs named scenarios (or all) against one embedded ZooKeeper server, or against the ensemble
 * given with {@code --connect}, optionally through a simulated network link ({@code --link-ms}),
 * and prints one line per scenario: medians (and p99 for latencies), and for recipes ours beside
 * Curator's with the ratio, all from the same run.
 */
public final class Bench {
    private Bench() {
    }

    /**
     * Entry point; see {@link Options#USAGE}. Blocks until every selected scenario has run.
     * Exits with status 2 on bad arguments and 1 if a scenario failed.
     */
    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        List<Scenario> selected = select(options);
        if (options.list()) {
            Scenarios.all().forEach(s -> System.out.printf("%-26s %s%s%n", s.name(), s.description(),
                    s.isLong() ? " (long: only when named or with --long)" : ""));
            return;
        }
        boolean ok;
        try {
            ok = runAll(options, selected);
        } catch (Exception e) {
            e.printStackTrace();
            ok = false;
        }
        if (!ok) {
            System.exit(1);
        }
    }

    private static boolean runAll(Options options, List<Scenario> selected) throws Exception {
        System.setProperty("zookeeper.admin.enableServer", "false");
        System.setProperty("zookeeper.4lw.commands.whitelist", "*");
        TestingServer server = options.connect() == null ? new TestingServer(true) : null;
        String connect = server != null ? server.getConnectString() : options.connect();
        System.out.printf("server %s (%s), %d rounds after at least %d warm-up rounds and %d s of warm-up a side%n",
                connect, server != null ? "embedded" : "given", options.rounds(), options.warmup(),
                options.warmupTime().toSeconds());
        List<Link> links = new ArrayList<>();
        boolean ok = true;
        try {
            String clients = connect;
            if (options.linkMs() > 0) {
                clients = Link.wrap(connect, Math.round(options.linkMs() * 1e6 / 2), links);
                System.out.printf("every session connects through a simulated link: +%s ms per round trip (%s)%n",
                        Report.number(options.linkMs()), clients);
            }
            ok = runScenarios(selected, new Env(connect, clients, options.rounds(), options.warmup(),
                    options.warmupTime(), options.waiters(), options.items()), new Report(System.out, !links.isEmpty()));
        } finally {
            links.forEach(Link::close);
            if (server != null) {
                server.close();
            }
        }
        return ok;
    }

    private static boolean runScenarios(List<Scenario> selected, Env env, Report report) throws Exception {
        boolean ok = true;
        env.createRoot();
        for (Scenario s : selected) {
            ok &= runOne(s, env, report);
        }
        report.printTable();
        return ok;
    }

    private static boolean runOne(Scenario s, Env env, Report report) {
        long t0 = System.nanoTime();
        try {
            s.body().run(env, report);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            report.failed(s.name(), e);
            return false;
        } catch (Exception | LinkageError e) {
            // a LinkageError: a recipe jar replaced while this run was loading its classes
            report.failed(s.name(), e);
            e.printStackTrace();
            return false;
        } finally {
            env.closeScope();
            System.err.printf("[%s took %.1f s; its last comparison warmed up for %d rounds]%n", s.name(),
                    (System.nanoTime() - t0) / 1e9, env.warmedRounds());
        }
    }

    private static List<Scenario> select(Options options) {
        List<Scenario> selected = new ArrayList<>();
        for (Scenario s : Scenarios.all()) {
            boolean named = options.names().contains(s.name());
            boolean inGroup = options.names().stream().anyMatch(s::selectedBy);
            boolean inAll = options.names().contains("all");
            if (named || ((inGroup || inAll) && (!s.isLong() || options.includeLong()))) {
                selected.add(s);
            }
        }
        if (selected.isEmpty()) {
            System.err.println("no scenario matches " + options.names() + "; try --list");
            System.exit(2);
        }
        return selected;
    }
}
