package io.zkrecipes.campaign;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line of the fault campaign; exits 0 when no checker found a violation, 1 otherwise. */
@Command(name = "fault-campaign", mixinStandardHelpOptions = true,
        description = "Runs a randomized fault campaign against a real 3-server ZooKeeper ensemble and worker "
                + "JVMs using zk-recipes, then checks the histories and writes report.md and timeline.png.")
public final class CampaignMain implements Callable<Integer> {
    @Option(names = "--duration", description = "seconds the workers run (default ${DEFAULT-VALUE})", defaultValue = "120")
    int durationSeconds;

    @Option(names = "--seed", description = "seed of the fault schedule (default: drawn at random)")
    Long seed;

    @Option(names = "--workers", description = "worker JVMs (default ${DEFAULT-VALUE})", defaultValue = "5")
    int workers;

    @Option(names = "--workloads", split = ",", description = "workloads each worker runs, of lock, election, "
            + "queue, config, registry (default ${DEFAULT-VALUE})", defaultValue = "lock,election,queue,config,registry")
    List<String> workloads;

    @Option(names = "--unfenced", description = "the store accepts every token (the control run)")
    boolean unfenced;

    @Option(names = "--session-timeout", description = "workers' session timeout in ms (default ${DEFAULT-VALUE})",
            defaultValue = "4000")
    long sessionTimeoutMillis;

    @Option(names = "--out", description = "the run's folder (default: a new folder under campaign-runs)")
    Path out;

    private String[] args = new String[0];

    public static void main(String[] args) {
        CampaignMain main = new CampaignMain();
        main.args = args.clone();
        System.exit(new CommandLine(main).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long runSeed = seed != null ? seed : System.nanoTime() & 0xffffffL;
        Path folder = out != null ? out : Path.of(System.getProperty("campaign.runs", "campaign-runs"),
                "seed-" + runSeed + (unfenced ? "-unfenced" : "") + "-"
                        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        String command = "fault-campaign " + String.join(" ", args) + (seed == null ? " (seed drawn: " + runSeed + ")" : "");
        Campaign.Settings settings = new Campaign.Settings(runSeed, Duration.ofSeconds(durationSeconds), workers,
                workloads, unfenced, Duration.ofMillis(sessionTimeoutMillis), folder.toAbsolutePath(), command);
        Campaign.Result result = Campaign.run(settings, System.out);
        System.out.println(result.passed() ? "no violation" : result.violationCount() + " violation(s)");
        return result.passed() ? 0 : 1;
    }
}
