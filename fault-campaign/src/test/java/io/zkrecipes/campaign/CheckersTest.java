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
