package io.zkrecipes.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs each example's main entry against one embedded 3-server ensemble, as a user would with
 * {@code --connect}, and checks that its account states the facts the example exists to show.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ExamplesTest {
    private static Ensemble ensemble;

    @BeforeAll
    static void startEnsemble() {
        ensemble = Ensemble.open(null, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stopEnsemble() {
        ensemble.close();
    }

    @Test
    void lock_losesNoUpdateAndRefusesTheStaleHolder() {
        String out = run(LockExample::run);
        assertStates(out, "CHECK ok: counter = 100, expected 100: no update lost under the lock");
        assertStates(out, "CHECK ok: fencing tokens strictly increase over all 100 holds");
        assertStates(out, "CHECK ok: the stale holder's write was refused");
        assertStates(out, "CHECK ok: counter = 101, expected 101");
    }

    @Test
    void election_failsOverAfterExpiryAndAfterProcessDeath() {
        String out = run(ElectionExample::run);
        assertStates(out, "CHECK ok: new leader after the leader's session expired: candidate-");
        assertStates(out, "rejoined the election at the back of the line");
        assertStates(out, "CHECK ok: new leader after the leader's process died: candidate-");
        assertStates(out, "each with a larger term than the one before");
        assertStates(out, "observer     leader is now ");
    }

    @Test
    void barrier_startsAndFinishesTogetherDespiteADeadMember() {
        String out = run(BarrierExample::run);
        assertStates(out, "CHECK ok: no worker started before the last one arrived");
        assertStates(out, "CHECK ok: no worker left before the last one finished its part");
        assertStates(out, "CHECK ok: 3 surviving workers left together although worker-4 died inside the phase");
    }

    @Test
    void config_subscribersConvergeAndNeverSeeHalfATransaction() {
        String out = run(ConfigExample::run);
        assertStates(out, "CHECK ok: both subscribers ended with the publisher's configuration "
                + "{feature.fast-path=on, pool.size=32, timeout=5s}");
        assertStates(out, "CHECK ok: subscriber-2 never saw half of the two-key transaction");
        assertStates(out, "CHECK ok: subscriber-2 saw pool.size only move forward");
        assertStates(out, "(in one update)");
    }

    @Test
    void queue_processesEveryItemAfterAConsumerDies() {
        String out = run(QueueExample::run);
        assertStates(out, "CHECK ok: 30 of 30 jobs processed: every item processed");
        assertStates(out, "CHECK ok: the job the dead consumer held (producer-");
        assertStates(out, "claims producer-");
    }

    @Test
    void naming_givesUniqueIdsAndRoutesAroundADeadProvider() {
        String out = run(NamingExample::run);
        assertStates(out, "CHECK ok: 75 ids taken by 3 processes, 75 distinct: no id given twice");
        assertStates(out, "CHECK ok: 6 of 6 calls answered while provider-2 was down");
        assertStates(out, "CHECK ok: provider-2 vanished from every consumer's list");
        assertStates(out, "CHECK ok: provider-1's registration came back by itself");
    }

    @Test
    void progress_managerSeesReportsLiveAndADeadWorkersNodeGo() {
        String out = run(ProgressExample::run);
        assertStates(out, "CHECK ok: the manager saw worker-1 reach 100%");
        assertStates(out, "CHECK ok: the manager saw worker-2 reach 100%");
        assertStates(out, "CHECK ok: worker-3's node disappeared from the manager's view when its process died");
        assertStates(out, "CHECK ok: every worker's progress only moved forward in the manager's view");
    }

    @Test
    void priority_servesUrgentJobsFirstAndDelayedOnesNoSooner() {
        String out = run(PriorityExample::run);
        assertStates(out, "CHECK ok: the urgent job the dead worker held was processed first, by worker-1: urgent-1");
        assertStates(out, "CHECK ok: urgent-2 was the next job started (");
        assertStates(out, "CHECK ok: 22 of 22 jobs processed, each once");
        assertStates(out, "CHECK ok: the job due now ran first");
        assertStates(out, "CHECK ok: the retry ran no sooner than its delay");
    }

    @Test
    void partition_movesADeadWorkersShardsAndKeepsOneOwnerEach() {
        String out = run(PartitionExample::run);
        assertStates(out, "CHECK ok: all 16 shards owned, each by one of all 4 workers");
        assertStates(out, "CHECK ok: all 16 shards owned, each by one of the 3 surviving workers");
        assertStates(out, "CHECK ok: balanced: shards per worker {worker-1=");
        assertStates(out, "CHECK ok: every shard's new owner got a larger token than the one before");
        assertStates(out, "CHECK ok: no shard was ever assigned while another worker held it");
    }

    @Test
    void tour_withoutConnectString_startsAndStopsItsOwnEnsemble() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ok = Tour.run(new String[] {"barrier"}, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(ok, out);
        assertStates(out, "Started an embedded 3-server ensemble at 127.0.0.1:");
        assertStates(out, "Tour finished in ");
        assertStates(out, "1 of 1 examples held every check");
    }

    @Test
    void tour_rejectsUnknownExamplesAndOptions() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> Tour.run(new String[] {"locks"}, out));
        assertThrows(IllegalArgumentException.class, () -> Tour.run(new String[] {"--conect", "x:1"}, out));
        assertThrows(IllegalArgumentException.class, () -> Tour.run(new String[] {"--connect"}, out));
    }

    private static String run(BiPredicate<String[], PrintStream> example) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ok = example.test(new String[] {"--connect", ensemble.connectString()},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(ok, () -> "the example reported a failed check:\n" + out);
        assertFalse(out.contains("CHECK FAILED"), out);
        return out;
    }

    private static void assertStates(String out, String fact) {
        assertTrue(out.contains(fact), () -> "expected the output to state '" + fact + "':\n" + out);
    }
}
