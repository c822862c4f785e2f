package io.zkrecipes.campaign;

import java.util.ArrayList;
import java.util.List;

/**
 * No acknowledged increment was lost: the store's final counter equals the number of increments
 * the workers were told succeeded, give or take the increments whose outcome is unknown (never
 * fewer than acknowledged, never more than acknowledged plus unknown).
 */
final class CounterChecker implements Checker {
    @Override
    public String workload() {
        return LockWorkload.NAME;
    }

    @Override
    public Verdict check(Evidence evidence) {
        long acknowledged = 0;
        long unknown = 0;
        for (Operation o : evidence.operations()) {
            if (o.is(LockWorkload.NAME, "incr")) {
                acknowledged += o.outcome() == Operation.Outcome.OK ? 1 : 0;
                unknown += o.outcome() == Operation.Outcome.UNKNOWN ? 1 : 0;
            }
        }
        long last = finalCounter(evidence.store());
        List<String> violations = new ArrayList<>();
        if (last < acknowledged) {
            violations.add(String.format("lost %d acknowledged increments: final counter %d, %d acknowledged",
                    acknowledged - last, last, acknowledged));
        } else if (last > acknowledged + unknown) {
            violations.add(String.format("final counter %d is above the %d acknowledged and %d unknown increments",
                    last, acknowledged, unknown));
        }
        return new Verdict("counter", "no acknowledged increment was lost", (int) acknowledged, violations);
    }

    static long finalCounter(List<StoreEvent> store) {
        long value = 0;
        for (StoreEvent e : store) {
            if (e.isWrite() && e.accepted() && e.key().equals(LockWorkload.KEY)) {
                value = e.value();
            }
        }
        return value;
    }
}
