package io.zkrecipes.campaign;

import java.util.List;

/**
 * A safety property checked on a run's merged history and the store's record of its decisions.
 * A checker belongs to one workload and runs when that workload ran.
 */
interface Checker {
    /** What a checker found: how many things it looked at, and each violation in words. */
    record Verdict(String checker, String property, int checked, List<String> violations) {
        boolean passed() {
            return violations.isEmpty();
        }
    }

    /** What the checkers read. */
    record Evidence(List<Operation> operations, List<StoreEvent> store) {
    }

    String workload();

    Verdict check(Evidence evidence);

    /** Every checker there is. */
    static List<Checker> all() {
        return List.of(new FencingChecker(), new CounterChecker(), new LeaderChecker());
    }
}
