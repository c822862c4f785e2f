package io.zkrecipes.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The checkers find planted violations, and pass a history that has none. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CheckersTest {
    private static final List<Operation> NO_OPS = List.of();
    private static final Operation.Outcome OK = Operation.Outcome.OK;

    @Test
    void fencingChecker_reportsAWriteAcceptedUnderAStaleToken() {
        List<StoreEvent> store = List.of(
                read(1, "w1", 10, 0), write(2, "w1", 10, 1),
                read(3, "w2", 20, 1),
                write(4, "w1", 10, 2), // the paused holder's write, accepted by a store that did not fence
                write(5, "w2", 20, 2));

        Checker.Verdict verdict = new FencingChecker().check(new Checker.Evidence(NO_OPS, store));

        assertEquals(1, verdict.violations().size(), verdict.violations().toString());
        assertTrue(verdict.violations().get(0).contains("token 10 after token 20"), verdict.violations().get(0));
    }

    @Test
    void fencingChecker_passesRejectedStaleWrites() {
        List<StoreEvent> store = List.of(
                read(1, "w1", 10, 0), read(2, "w2", 20, 0),
                new StoreEvent(3, "w1", StoreEvent.WRITE, LockWorkload.KEY, 10, 1, false),
                write(4, "w2", 20, 1));

        assertTrue(new FencingChecker().check(new Checker.Evidence(NO_OPS, store)).passed());
    }

    @Test
    void counterChecker_reportsALostAcknowledgedIncrement() {
        List<Operation> ops = List.of(incr("w1", 1, 10, "1"), incr("w2", 2, 20, "2"), incr("w1", 3, 10, "2"));
        List<StoreEvent> store = List.of(write(1, "w1", 10, 1), write(2, "w2", 20, 2), write(3, "w1", 10, 2));

        Checker.Verdict verdict = new CounterChecker().check(new Checker.Evidence(ops, store));

        assertEquals(List.of("lost 1 acknowledged increments: final counter 2, 3 acknowledged"), verdict.violations());
    }

    @Test
    void counterChecker_allowsAnUnknownIncrementEitherWay() {
        Operation unknown = new Operation("w2", 1, LockWorkload.NAME, "incr", "20", Operation.Outcome.UNKNOWN, "",
                0, 2, -1);
        List<Operation> ops = List.of(incr("w1", 1, 10, "1"), unknown);

        assertTrue(new CounterChecker().check(new Checker.Evidence(ops, List.of(write(1, "w1", 10, 1)))).passed());
        assertTrue(new CounterChecker().check(new Checker.Evidence(ops,
                List.of(write(1, "w1", 10, 1), write(2, "w2", 20, 2)))).passed());
    }

    @Test
    void leaderChecker_reportsTwoLeadersWithOneTokenAndATokenGoingBack() {
        List<Operation> ops = List.of(zkWrite("w1", 1, 30, 100), zkWrite("w2", 1, 30, 101), zkWrite("w3", 1, 20, 102));

        Checker.Verdict verdict = new LeaderChecker().check(new Checker.Evidence(ops, List.of()));

        assertEquals(List.of("ZooKeeper: two leaders with token 30: w1 and w2",
                "ZooKeeper: token went back from 30 to 20 (w3)"), verdict.violations());
    }

    @Test
    void leaderChecker_passesSuccessiveLeaders() {
        List<Operation> ops = List.of(zkWrite("w1", 1, 20, 100), zkWrite("w1", 2, 20, 101), zkWrite("w2", 1, 30, 110));
        List<StoreEvent> store = List.of(
                new StoreEvent(1, "w1", StoreEvent.WRITE, ElectionWorkload.KEY, 20, 1, true),
                new StoreEvent(2, "w2", StoreEvent.WRITE, ElectionWorkload.KEY, 30, 1, true));

        assertTrue(new LeaderChecker().check(new Checker.Evidence(ops, store)).passed());
    }

    @Test
    void histories_takeAnInvocationWithoutOutcomeAsUnknown() {
        List<Operation> ops = Histories.parse(List.of(
                "1\t10\tw1\t1\tinvoke\tlock\tincr\t10",
                "2\t20\tw1\t1\tok\tlock\tincr\t5",
                "3\t30\tw1\t2\tinvoke\tlock\tincr\t10",
                "4\t40\tw1\t3\tinvoke\tlock\tacq")); // cut short by a kill

        assertEquals(2, ops.size());
        assertEquals(Operation.Outcome.OK, ops.get(0).outcome());
        assertEquals("5", ops.get(0).result());
        assertEquals(Operation.Outcome.UNKNOWN, ops.get(1).outcome());
    }

    @Test
    void schedule_isTheSameForTheSameSeed() {
        List<Fault> first = Nemesis.schedule(42, 120_000, 15_000, 5, 4_000, true);

        assertEquals(first, Nemesis.schedule(42, 120_000, 15_000, 5, 4_000, true));
        assertTrue(first.stream().allMatch(f -> f.endMillis() <= 105_000), first.toString());
        assertTrue(first.size() > 5, first.toString());
    }

    @Test
    void queueChecker_reportsADuplicateTake() {
        List<Operation> ops = List.of(
                queue("w1", 1, "put", "w1-1", OK, "w1-1", 1),
                queue("w2", 1, "take", "", OK, "w1-1", 2),
                queue("w3", 1, "poll", "", OK, "w1-1", 3));

        Checker.Verdict verdict = new QueueChecker().check(new Checker.Evidence(ops, List.of()));

        assertEquals(List.of("item w1-1 consumed 2 times: w2 take, w3 poll"), verdict.violations());
        assertEquals(List.of(new Checker.Mark("w3", 3)), verdict.marks());
    }

    @Test
    void queueChecker_reportsALostAcknowledgedPut() {
        List<Operation> ops = List.of(
                queue("w1", 1, "put", "w1-1", OK, "w1-1", 1),
                queue("w1", 2, "put-async", "w1-2", OK, "w1-2", 2),
                queue("w2", 1, "take", "", OK, "w1-1", 3),
                queue(Campaign.CAMPAIGN, 1, "poll", "", OK, "", 4)); // the drain found nothing

        Checker.Verdict verdict = new QueueChecker().check(new Checker.Evidence(ops, List.of()));

        assertEquals(List.of("acknowledged put of w1-2 by w1 was never consumed"), verdict.violations());
    }

    @Test
    void queueChecker_reportsAnItemNeverPutAndOneHandledAgainAfterItWasCompleted() {
        List<Operation> ops = List.of(
                queue("w1", 1, "put", "w1-1", OK, "w1-1", 1),
                queue("w2", 1, "handle", "w1-1", OK, "w1-1", 2),
                queue("w2", 2, "process", "", OK, "COMPLETED w1-1", 2),
                queue("w3", 1, "handle", "w1-1", OK, "w1-1", 5),
                queue("w3", 2, "process", "", OK, "CLAIM_LOST w1-1", 5),
                queue("w3", 3, "take", "", OK, "w9-9", 7));

        Checker.Verdict verdict = new QueueChecker().check(new Checker.Evidence(ops, List.of()));

        assertEquals(List.of("item w9-9 consumed (w3 take) but never put",
                "item w1-1 handed to w3's handler after w2 had consumed it (process)"), verdict.violations());
    }

    @Test
    void queueChecker_allowsAFailedTakeToAccountForOneItemOnly() {
        List<Operation> oneLost = List.of(
                queue("w1", 1, "put", "w1-1", OK, "w1-1", 1),
                queue("w2", 1, "take", "", Operation.Outcome.UNKNOWN, "interrupted", 2));
        List<Operation> twoLost = List.of(
                queue("w1", 1, "put", "w1-1", OK, "w1-1", 1),
                queue("w1", 2, "put", "w1-2", OK, "w1-2", 2),
                queue("w2", 1, "take", "", Operation.Outcome.UNKNOWN, "interrupted", 3));
        List<Operation> takeBeforePut = List.of(
                queue("w2", 1, "take", "", Operation.Outcome.UNKNOWN, "interrupted", 1),
                queue("w1", 1, "put", "w1-1", OK, "w1-1", 5));

        assertTrue(new QueueChecker().check(new Checker.Evidence(oneLost, List.of())).passed());
        assertEquals(1, new QueueChecker().check(new Checker.Evidence(twoLost, List.of())).violations().size());
        assertEquals(1, new QueueChecker().check(new Checker.Evidence(takeBeforePut, List.of())).violations().size());
    }

    @Test
    void queueChecker_passesAClaimLostWithItsSessionAndProcessedAgain() {
        List<Operation> ops = List.of(
                queue("w1", 1, "put", "w1-1", OK, "w1-1", 1),
                queue("w1", 2, "put-async", "w1-2", Operation.Outcome.UNKNOWN, "connection lost", 2),
                queue("w1", 3, "put", "w1-3", Operation.Outcome.UNKNOWN, "connection lost", 3),
                queue("w1", 4, "put", "w1-4", OK, "w1-4", 4),
                // w2 handles w1-1, is paused, its session expires and its claim goes: w3 completes the item
                queue("w2", 1, "handle", "w1-1", OK, "w1-1", 5),
                queue("w3", 1, "handle", "w1-1", Operation.Outcome.FAILED, "failed on purpose", 7),
                queue("w3", 2, "process", "", OK, "FAILED w1-1", 7),
                queue("w3", 3, "handle", "w1-1", OK, "w1-1", 9),
                queue("w3", 4, "process", "", OK, "COMPLETED w1-1", 9),
                new Operation("w2", 2, QueueWorkload.NAME, "process", "", OK, "CLAIM_LOST w1-1", 0, 5, 20),
                queue("w3", 5, "poll", "", OK, "w1-2", 21), // an unknown put, applied once
                queue(Campaign.CAMPAIGN, 1, "poll", "", OK, "w1-4", 30),
                queue(Campaign.CAMPAIGN, 2, "poll", "", OK, "", 31));

        Checker.Verdict verdict = new QueueChecker().check(new Checker.Evidence(ops, List.of()));

        assertTrue(verdict.passed(), verdict.violations().toString());
        assertEquals(2, verdict.checked());
    }

    @Test
    void configChecker_reportsAValueGoingBackAndASubscriberEndingAtAStaleValue() {
        List<Operation> ops = List.of(
                config("w1", 1, "subscribe", "", ""), config("w2", 1, "subscribe", "", ""),
                config("w1", 2, "publish", "w1=1", "0"), config("w1", 3, "publish", "w1=2", "1"),
                config("w1", 4, "publish", "w1=3", "2"),
                config("w1", 5, "seen", "initial", "w1=1"), config("w1", 6, "seen", "", "w1=3"),
                config("w2", 2, "seen", "initial", "w1=2"), config("w2", 3, "seen", "", "w1=1"),
                config("w1", 7, "final", "w1", "3"));

        Checker.Verdict verdict = new ConfigChecker().check(new Checker.Evidence(ops, List.of()));

        assertEquals(List.of("w2 saw w1 go back from 2 to 1", "w2 ended at w1=1, but its final value is 3"),
                verdict.violations());
    }

    @Test
    void configChecker_reportsAValueNeverPublishedAndASubscriberThatSawNothing() {
        List<Operation> ops = List.of(
                config("w1", 1, "subscribe", "", ""), config("w2", 1, "subscribe", "", ""),
                config("w1", 2, "publish", "w1=1", "0"),
                config("w1", 3, "seen", "initial", "w1=1 w3=7"),
                config("w1", 4, "final", "w1", "1"));

        Checker.Verdict verdict = new ConfigChecker().check(new Checker.Evidence(ops, List.of()));

        assertEquals(List.of("w1 saw w3=7, which was never published", "w2 ended at w1=absent, but its final value is 1"),
                verdict.violations());
    }

    @Test
    void configChecker_passesCoalescedUpdatesAndAnUnknownLastWrite() {
        List<Operation> ops = List.of(
                config("w1", 1, "subscribe", "", ""), config("w2", 1, "subscribe", "", ""),
                config("w1", 2, "publish", "w1=1", "0"), config("w2", 2, "publish", "w2=1", "0"),
                config("w1", 3, "seen", "initial", "w1=1 w2=1"), config("w2", 3, "seen", "initial", "w1=1"),
                config("w1", 4, "publish", "w1=2", "1"),
                new Operation("w1", 5, ConfigWorkload.NAME, "publish", "w1=3", Operation.Outcome.UNKNOWN, "lost", 0, 14,
                        15),
                config("w2", 4, "seen", "", "w1=3 w2=1"), // 2 coalesced away; the unknown write was applied
                config("w1", 6, "seen", "", "w1=3"),
                config("w1", 7, "final", "w1", "3"), config("w2", 5, "final", "w2", "1"));

        Checker.Verdict verdict = new ConfigChecker().check(new Checker.Evidence(ops, List.of()));

        assertTrue(verdict.passed(), verdict.violations().toString());
    }

    @Test
    void registryChecker_reportsAViewThatDidNotConverge() {
        List<Operation> ops = List.of(
                registry("w1", 1, "discover", "", "", 1), registry("w2", 1, "discover", "", "", 2),
                registry("w1", 2, "register", "w1-a", "", 3), registry("w2", 2, "register", "w2-b", "", 4),
                registry("w1", 3, "view", "+w1-a", "w1-a", 5), registry("w2", 3, "view", "+w1-a", "w1-a", 5),
                registry("w1", 4, "view", "+w2-b", "w1-a,w2-b", 6),
                registry("w1", 5, "final", "", "w1-a", 10), registry("w2", 4, "final", "", "w2-b", 10));

        Checker.Verdict verdict = new RegistryChecker().check(new Checker.Evidence(ops, List.of(), 20));

        assertEquals(List.of("w2's view ended at [w1-a], not at the registered [w1-a, w2-b]; missing [w2-b]",
                "w2's listener events add up to [w1-a], not to the registered [w1-a, w2-b]; missing [w2-b]"),
                verdict.violations());
        assertEquals(new Checker.Mark("w2", 5), verdict.marks().get(0));
    }

    @Test
    void registryChecker_reportsAnInstanceLeftAfterItsUnregistrationAndAMissingFinal() {
        List<Operation> ops = List.of(
                registry("w1", 1, "discover", "", "", 1), registry("w2", 1, "discover", "", "", 1),
                registry("w1", 2, "register", "w1-a", "", 2), registry("w1", 3, "view", "+w1-a", "w1-a", 3),
                registry("w1", 4, "unregister", "w1-a", "", 4),
                registry("w2", 2, "register", "w2-a", "", 5),
                registry("w1", 5, "final", "", "", 10));

        Checker.Verdict verdict = new RegistryChecker().check(new Checker.Evidence(ops, List.of(), 20));

        assertEquals(List.of("w2 recorded no final registrations: convergence cannot be checked",
                "w1's view ended at [w1-a], not at the registered []; extra [w1-a]",
                "w1's listener events add up to [w1-a], not to the registered []; extra [w1-a]"), verdict.violations());
    }

    @Test
    void registryChecker_passesAReRegistrationAndIgnoresTheShutdown() {
        List<Operation> ops = List.of(
                registry("w1", 1, "discover", "", "", 1), registry("w2", 1, "discover", "", "", 1),
                registry("w1", 2, "register", "w1-a", "", 2), registry("w2", 2, "register", "w2-a", "", 2),
                registry("w1", 3, "view", "+w1-a", "w1-a", 3), registry("w1", 4, "view", "+w2-a", "w1-a,w2-a", 4),
                registry("w2", 3, "view", "+w2-a", "w2-a", 3), registry("w2", 4, "view", "+w1-a", "w1-a,w2-a", 4),
                // w1's session expired: its instance went and came back, as its provider re-registered it
                registry("w2", 5, "view", "-w1-a", "w2-a", 7), registry("w2", 6, "view", "+w1-a", "w1-a,w2-a", 8),
                registry("w1", 5, "final", "", "w1-a", 10), registry("w2", 7, "final", "", "w2-a", 10),
                registry("w2", 8, "view", "-w1-a", "w2-a", 25)); // w1 shutting down, after the stop began

        Checker.Verdict verdict = new RegistryChecker().check(new Checker.Evidence(ops, List.of(), 20));

        assertTrue(verdict.passed(), verdict.violations().toString());
        assertEquals(6, verdict.checked());
    }

    private static Operation queue(String worker, long id, String op, String input, Operation.Outcome outcome,
            String result, long at) {
        return new Operation(worker, id, QueueWorkload.NAME, op, input, outcome, result, 0, at, at + 1);
    }

    private static Operation config(String worker, long id, String op, String input, String result) {
        long at = id; // the checker reads updates in the order of the history
        return new Operation(worker, id, ConfigWorkload.NAME, op, input, OK, result, 0, at, at + 1);
    }

    private static Operation registry(String worker, long id, String op, String input, String result, long at) {
        return new Operation(worker, id, RegistryWorkload.NAME, op, input, OK, result, 0, at, at + 1);
    }

    private static StoreEvent read(long at, String worker, long token, long value) {
        return new StoreEvent(at, worker, StoreEvent.READ, LockWorkload.KEY, token, value, true);
    }

    private static StoreEvent write(long at, String worker, long token, long value) {
        return new StoreEvent(at, worker, StoreEvent.WRITE, LockWorkload.KEY, token, value, true);
    }

    private static Operation incr(String worker, long id, long token, String written) {
        return new Operation(worker, id, LockWorkload.NAME, "incr", Long.toString(token), Operation.Outcome.OK,
                written, 0, id, id + 1);
    }

    private static Operation zkWrite(String worker, long id, long token, long zxid) {
        return new Operation(worker, id, ElectionWorkload.NAME, "zk-write", Long.toString(token), Operation.Outcome.OK,
                Long.toString(zxid), 0, zxid, zxid + 1);
    }
}
