package io.zkrecipes.campaign;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C on a running campaign: the campaign runs as a process of its own, as from a terminal,
 * and once its servers and workers run it gets SIGINT; it must exit soon and leave none of the
 * processes it started behind.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CampaignInterruptTest {
    private static final int WORKERS = 2;

    @Test
    void sigint_stopsTheCampaignAndEveryProcessItStarted(@TempDir Path dir) throws IOException, InterruptedException {
        Path run = dir.resolve("run");
        Path output = dir.resolve("campaign.out");
        List<String> command = List.of(Java.executable(), "-Xmx256m", "-cp", Java.classpath(),
                CampaignMain.class.getName(), "--duration", "90", "--seed", "5", "--workers", Integer.toString(WORKERS),
                "--out", run.toString());
        Process campaign = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        List<ProcessHandle> started = List.of();
        try {
            await().atMost(Duration.ofSeconds(100)).pollInterval(Duration.ofMillis(200))
                    .until(() -> workersRecorded(run));
            started = campaign.descendants().toList();
            List<ProcessHandle> before = started;
            // the servers and the workers (and, during a pause fault, a short-lived kill command)
            assertTrue(started.stream().filter(ProcessHandle::isAlive).count() >= Ensemble.SIZE + WORKERS,
                    () -> "processes of the campaign before the signal: " + before);

            signal(campaign.pid(), "INT");

            assertTrue(campaign.waitFor(40, TimeUnit.SECONDS), "the campaign did not exit within 40 s of SIGINT");
            assertEquals(130, campaign.exitValue(), () -> read(output)); // 128 + SIGINT: the JVM's own exit
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> before.stream().noneMatch(ProcessHandle::isAlive));
        } finally {
            // a campaign that died without stopping its children leaves them to init: kill them by handle
            started.forEach(ProcessHandle::destroyForcibly);
            campaign.descendants().forEach(ProcessHandle::destroyForcibly);
            campaign.destroyForcibly();
            campaign.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Every worker has begun recording operations: the servers serve and the workers run. */
    private static boolean workersRecorded(Path run) throws IOException {
        for (int i = 0; i < WORKERS; i++) {
            Path history = run.resolve("workers").resolve(Campaign.workerName(i) + ".history");
            if (!Files.exists(history) || Files.size(history) == 0) {
                return false;
            }
        }
        return true;
    }

    private static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
