package io.zkrecipes.campaign;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * At most one leader per fencing token, and tokens increase: among the leaders' writes the store
 * accepted, and among the writes ZooKeeper applied through {@code writeAsLeader} (ordered by the
 * zxid of each write), each token belongs to one worker and no write carries a lower token than
 * one before it.
 */
final class LeaderChecker implements Checker {
    @Override
    public String workload() {
        return ElectionWorkload.NAME;
    }

    @Override
    public Verdict check(Evidence evidence) {
        List<String> violations = new ArrayList<>();
        List<Mark> marks = new ArrayList<>();
        List<Long> storeWrites = new ArrayList<>();
        List<Mark> storeWriters = new ArrayList<>();
        for (StoreEvent e : evidence.store()) {
            if (e.isWrite() && e.accepted() && e.key().equals(ElectionWorkload.KEY)) {
                storeWrites.add(e.token());
                storeWriters.add(new Mark(e.worker(), e.monoNanos()));
            }
        }
        inOrder("the store", storeWrites, storeWriters, violations, marks);
        List<Operation> applied = new ArrayList<>();
        for (Operation o : evidence.operations()) {
            if (o.is(ElectionWorkload.NAME, "zk-write") && o.outcome() == Operation.Outcome.OK) {
                applied.add(o);
            }
        }
        applied.sort(Comparator.comparingLong(o -> Operation.number(o.result(), 0)));
        List<Long> zkWrites = new ArrayList<>();
        List<Mark> zkWriters = new ArrayList<>();
        for (Operation o : applied) {
            zkWrites.add(Operation.number(o.input(), 0));
            zkWriters.add(Mark.at(o));
        }
        inOrder("ZooKeeper", zkWrites, zkWriters, violations, marks);
        return new Verdict("leader", "at most one leader per fencing token, and tokens increase",
                storeWrites.size() + zkWrites.size(), violations, marks);
    }

    private static void inOrder(String where, List<Long> tokens, List<Mark> writers, List<String> violations,
            List<Mark> marks) {
        Map<Long, String> owner = new HashMap<>();
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < tokens.size(); i++) {
            long token = tokens.get(i);
            String worker = writers.get(i).worker();
            String first = owner.putIfAbsent(token, worker);
            if (first != null && !first.equals(worker)) {
                violations.add(String.format("%s: two leaders with token %d: %s and %s", where, token, first, worker));
                marks.add(writers.get(i));
            }
            if (token < previous) {
                violations.add(String.format("%s: token went back from %d to %d (%s)", where, previous, token, worker));
                marks.add(writers.get(i));
            }
            previous = Math.max(previous, token);
        }
    }
}
