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
        List<Long> storeWrites = new ArrayList<>();
        List<String> storeWorkers = new ArrayList<>();
        for (StoreEvent e : evidence.store()) {
            if (e.isWrite() && e.accepted() && e.key().equals(ElectionWorkload.KEY)) {
                storeWrites.add(e.token());
                storeWorkers.add(e.worker());
            }
        }
        inOrder("the store", storeWrites, storeWorkers, violations);
        List<Operation> applied = new ArrayList<>();
        for (Operation o : evidence.operations()) {
            if (o.is(ElectionWorkload.NAME, "zk-write") && o.outcome() == Operation.Outcome.OK) {
                applied.add(o);
            }
        }
        applied.sort(Comparator.comparingLong(o -> Operation.number(o.result(), 0)));
        List<Long> zkWrites = new ArrayList<>();
        List<String> zkWorkers = new ArrayList<>();
        for (Operation o : applied) {
            zkWrites.add(Operation.number(o.input(), 0));
            zkWorkers.add(o.worker());
        }
        inOrder("ZooKeeper", zkWrites, zkWorkers, violations);
        return new Verdict("leader", "at most one leader per fencing token, and tokens increase",
                storeWrites.size() + zkWrites.size(), violations);
    }

    private static void inOrder(String where, List<Long> tokens, List<String> workers, List<String> violations) {
        Map<Long, String> owner = new HashMap<>();
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < tokens.size(); i++) {
            long token = tokens.get(i);
            String worker = workers.get(i);
            String first = owner.putIfAbsent(token, worker);
            if (first != null && !first.equals(worker)) {
                violations.add(String.format("%s: two leaders with token %d: %s and %s", where, token, first, worker));
            }
            if (token < previous) {
                violations.add(String.format("%s: token went back from %d to %d (%s)", where, previous, token, worker));
            }
            previous = Math.max(previous, token);
        }
    }
}
