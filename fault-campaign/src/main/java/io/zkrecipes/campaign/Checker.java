package io.zkrecipes.campaign;

import java.util.List;

/**
 * A safety property checked on a run's merged history and the store's record of its decisions.
 * A checker belongs to one workload and runs when that workload ran.
 */
interface Checker {
    /** Where a violation shows: a worker's lane at a moment (monotonic nanoseconds), for the timeline. */
    record Mark(String worker, long mono) {
        static Mark at(Operation o) {
            return new Mark(o.worker(), o.startMono());
        }
    }

    /**
     * What a checker found: how many things it looked at, each violation in words, and where the
     * violations show (not every violation has one place).
     */
    record Verdict(String checker, String property, int checked, List<String> violations, List<Mark> marks) {
        Verdict(String checker, String property, int checked, List<String> violations) {
            this(checker, property, checked, violations, List.of());
        }

        boolean passed() {
            return violations.isEmpty();
        }
    }

    /**
     * What the checkers read: the operations, the store's decisions, and when the campaign began
     * stopping the workers ({@code stopMono}, monotonic nanoseconds): what observers record after
     * that may come from the workers' own shutdown.
     */
    record Evidence(List<Operation> operations, List<StoreEvent> store, long stopMono) {
        Evidence(List<Operation> operations, List<StoreEvent> store) {
            this(operations, store, Long.MAX_VALUE);
        }
    }

    String workload();

    Verdict check(Evidence evidence);

    /** Every checker there is. */
    static List<Checker> all() {
        return List.of(new FencingChecker(), new CounterChecker(), new LeaderChecker(), new QueueChecker(),
                new ConfigChecker(), new RegistryChecker());
    }
}
