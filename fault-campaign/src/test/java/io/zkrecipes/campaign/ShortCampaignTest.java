package io.zkrecipes.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short campaign over real processes, with a fixed seed and every workload: the build fails on
 * any violation. Its report stays in target/campaign-runs/verify.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ShortCampaignTest {

    @Test
    void shortCampaign_findsNoViolation() throws IOException, InterruptedException {
        Path folder = Path.of(System.getProperty("campaign.runs", "target/campaign-runs"), "verify").toAbsolutePath();
        Campaign.Settings settings = new Campaign.Settings(7, Duration.ofSeconds(75), 4,
                Workload.NAMES, false, Duration.ofSeconds(4), folder, "ShortCampaignTest (seed 7, 75 s, 4 workers)");
        deleteRecursively(folder); // an earlier build's run

        Campaign.Result result = Campaign.run(settings, System.out);

        assertEquals(0, result.violationCount(), () -> result.verdicts().toString());
        assertTrue(result.faults().size() >= 5, "faults injected: " + result.faults().size());
        assertTrue(result.operations().stream().anyMatch(o -> o.is(LockWorkload.NAME, "incr")
                && o.outcome() == Operation.Outcome.OK), "no increment succeeded");
        assertTrue(result.operations().stream().anyMatch(o -> o.is(ElectionWorkload.NAME, "zk-write")
                && o.outcome() == Operation.Outcome.OK), "no leader wrote");
        assertTrue(result.operations().stream().anyMatch(o -> o.is(QueueWorkload.NAME, "process")
                && o.result().startsWith("COMPLETED")), "no item was processed");
        assertTrue(result.operations().stream().anyMatch(o -> o.is(QueueWorkload.NAME, "take")
                && o.outcome() == Operation.Outcome.OK), "no item was taken");
        assertTrue(result.operations().stream().anyMatch(o -> o.is(ConfigWorkload.NAME, "final")
                && o.outcome() == Operation.Outcome.OK), "no publisher read its final value");
        assertTrue(result.operations().stream().anyMatch(o -> o.is(RegistryWorkload.NAME, "final")
                && !o.result().isEmpty()), "no provider held an instance at the end");
        assertEquals(Checker.all().size(), result.verdicts().size(), () -> result.verdicts().toString());
        assertTrue(Files.size(folder.resolve("timeline.png")) > 0);
        assertTrue(Files.readString(folder.resolve("report.md")).contains("no violation"));
        assertTrue(ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive), "a child process is left");
    }

    private static void deleteRecursively(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (var paths = Files.walk(folder)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
