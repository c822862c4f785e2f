package io.zkrecipes.barrier;

import static io.zkrecipes.barrier.Members.enter;
import static io.zkrecipes.barrier.Members.leave;
import static io.zkrecipes.barrier.Members.membersOf;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class DoubleBarrierTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final String PATH = "/jobs/sync";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void enterAndLeave_releaseNoOneUntilTheLastOfTenMembers() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 10, 10)) {
            List<Future<Boolean>> entering = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                if (i != 5) {
                    entering.add(m.start(i, enter(LONG)));
                }
            }
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).size() == 9);
            assertTrue(entering.stream().noneMatch(Future::isDone), "someone entered with 9 of 10 members");

            entering.add(m.start(5, enter(LONG)));
            for (Future<Boolean> f : entering) {
                assertTrue(f.get(30, TimeUnit.SECONDS));
            }
            String ready = new String(reader.unwrap().getData(Rounds.roundPath(PATH, 1) + "/ready", false, null),
                    StandardCharsets.UTF_8);
            assertEquals(10, ready.split("\n").length, ready);

            List<Future<Boolean>> leaving = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                if (i != 5) {
                    leaving.add(m.start(i, leave(LONG)));
                }
            }
            // all but the lowest (m00) delete their nodes at once; m05 has not left yet
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).equals(List.of("m00", "m05")));
            assertTrue(leaving.stream().noneMatch(Future::isDone), "someone left while m05 was still in");

            leaving.add(m.start(5, leave(LONG)));
            for (Future<Boolean> f : leaving) {
                assertTrue(f.get(30, TimeUnit.SECONDS));
            }
            assertEquals(List.of(), membersOf(reader, PATH, 1));
        }
    }

    @Test
    void leave_timesOutWhenOneMemberNeverLeaves() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 4, 4)) {
            enterAll(m, 4);
            long start = System.nanoTime();
            List<Future<Boolean>> leaving = new ArrayList<>();
            for (int i : new int[] {0, 1, 3}) { // m02 never leaves
                leaving.add(m.start(i, leave(Duration.ofSeconds(5))));
            }
            for (Future<Boolean> f : leaving) {
                assertFalse(f.get(30, TimeUnit.SECONDS));
            }
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsedMillis >= 4_900 && elapsedMillis < 6_500, "leave took " + elapsedMillis + " ms");
            assertEquals(List.of("m02"), membersOf(reader, PATH, 1));
        }
    }

    @Test
    void enter_timeoutRemovesTheNodeSoALaterRoundStillWaits() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 3, 3)) {
            assertFalse(m.get(0).enter(Duration.ofMillis(300)));
            assertEquals(List.of(), membersOf(reader, PATH, 1), "the timed-out member left its node behind");

            Future<Boolean> b = m.start(1, enter(Duration.ofSeconds(1)));
            Future<Boolean> c = m.start(2, enter(Duration.ofSeconds(1)));
            assertFalse(b.get(10, TimeUnit.SECONDS), "entered with 2 live members of 3");
            assertFalse(c.get(10, TimeUnit.SECONDS), "entered with 2 live members of 3");
            assertEquals(List.of(), membersOf(reader, PATH, 1));

            enterAll(m, 3);
            assertEquals(1, m.get(0).round());
        }
    }

    @Test
    void rounds_fiftyRoundsOfFiveMembersWithRandomDelays() throws Exception {
        int parties = 5;
        int rounds = 50;
        int[] arrived = new int[rounds];
        int[] leaving = new int[rounds];
        long[][] roundOf = new long[parties][rounds];
        try (Members m = new Members(zk, PATH, parties, parties)) {
            List<Future<Boolean>> runs = new ArrayList<>();
            for (int i = 0; i < parties; i++) {
                int me = i;
                runs.add(m.start(i, barrier -> {
                    java.util.Random random = new java.util.Random(me);
                    for (int k = 0; k < rounds; k++) {
                        pause(random);
                        synchronized (arrived) {
                            arrived[k]++;
                        }
                        assertTrue(barrier.enter(LONG), "enter of phase " + k);
                        synchronized (arrived) {
                            assertEquals(parties, arrived[k], "passed enter of phase " + k + " early");
                        }
                        roundOf[me][k] = barrier.round();
                        pause(random);
                        synchronized (leaving) {
                            leaving[k]++;
                        }
                        assertTrue(barrier.leave(LONG), "leave of phase " + k);
                        synchronized (leaving) {
                            assertEquals(parties, leaving[k], "passed leave of phase " + k + " early");
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> run : runs) {
                assertTrue(run.get(50, TimeUnit.SECONDS));
            }
        }
        ZkClient reader = zk.newClient();
        for (int k = 0; k < rounds; k++) {
            for (int i = 0; i < parties; i++) {
                assertEquals(k + 1, roundOf[i][k], "member " + i + " phase " + k);
            }
        }
        // closed rounds hold exactly the admitted members; old rounds are cleaned up
        for (long r = rounds - 1; r <= rounds; r++) {
            byte[] ready = reader.unwrap().getData(Rounds.roundPath(PATH, r) + "/ready", false, null);
            assertEquals(parties, new String(ready, StandardCharsets.UTF_8).split("\n").length);
        }
        assertTrue(reader.unwrap().getChildren(PATH, false).size() <= 4, "old rounds not removed");
    }

    private static void pause(java.util.Random random) throws InterruptedException {
        Thread.sleep(random.nextInt(4)); // jitter between members, not a wait for a state
    }

    @Test
    void singleParty_entersAndLeavesAlone() throws Exception {
        try (DoubleBarrier solo = DoubleBarrier.create(zk.newClient(), PATH, 1, "solo")) {
            for (int r = 1; r <= 3; r++) {
                assertTrue(solo.enter(Duration.ofSeconds(5)));
                assertEquals(r, solo.round());
                assertTrue(solo.leave(Duration.ofSeconds(5)));
            }
            assertTrue(solo.enter(Duration.ZERO), "a zero timeout still tries once");
            assertTrue(solo.leave(Duration.ZERO));
        }
    }

    @Test
    void rounds_memberThatLeftFirstJoinsTheNextRoundWhileOthersAreStillLeaving() throws Exception {
        try (Members m = new Members(zk, PATH, 2, 2)) {
            enterAll(m, 2);
            Future<Boolean> slowLeave = m.start(0, leave(LONG)); // m00 is the lowest: waits for m01
            assertTrue(m.get(1).leave(LONG));
            assertTrue(slowLeave.get(30, TimeUnit.SECONDS));
            Future<Boolean> fast = m.start(1, enter(LONG));
            assertTrue(m.get(0).enter(LONG));
            assertTrue(fast.get(30, TimeUnit.SECONDS));
            assertEquals(2, m.get(0).round());
            assertEquals(2, m.get(1).round());
        }
    }

    /**
     * Hasty members (zero timeout: they withdraw at once unless their join closes the round) race
     * patient ones, so that a member that read the round one short may find it changed when its
     * closing join lands: no round closes with fewer than {@code parties} members told they are in.
     */
    @Test
    void enter_noRoundClosesShortWhileOthersWithdraw() throws Exception {
        int parties = 3;
        try (Members m = new Members(zk, PATH, parties, 8)) {
            ExecutorService threads = Executors.newFixedThreadPool(8);
            try {
                List<Future<List<Long>>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    DoubleBarrier member = m.get(i);
                    Duration timeout = i < 5 ? Duration.ZERO : Duration.ofSeconds(1);
                    calls.add(threads.submit(() -> roundsEntered(member, timeout, 15)));
                }
                Map<Long, Integer> admitted = new TreeMap<>();
                for (Future<List<Long>> call : calls) {
                    call.get(50, TimeUnit.SECONDS).forEach(round -> admitted.merge(round, 1, Integer::sum));
                }
                assertFalse(admitted.isEmpty(), "no round closed");
                // a round admits all present when it closed (members arriving together may be more)
                admitted.forEach((round, count) -> assertTrue(count >= parties,
                        count + " members told they entered round " + round));
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /** The rounds {@code member} entered in {@code tries} tries, leaving each one it entered. */
    private static List<Long> roundsEntered(DoubleBarrier member, Duration timeout, int tries) throws Exception {
        List<Long> rounds = new ArrayList<>();
        for (int i = 0; i < tries; i++) {
            if (member.enter(timeout)) {
                rounds.add(member.round());
                assertTrue(member.leave(LONG));
            }
        }
        return rounds;
    }

    static void enterAll(Members m, int count) throws Exception {
        List<Future<Boolean>> entering = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            entering.add(m.start(i, enter(LONG)));
        }
        for (Future<Boolean> f : entering) {
            assertTrue(f.get(30, TimeUnit.SECONDS));
        }
    }
}
