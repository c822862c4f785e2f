package io.zkrecipes.campaign;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every item is consumed exactly once. An item is consumed when a {@code take} or {@code poll}
 * returned it, or when {@code processNext} completed it (or moved it to the dead letters); the
 * queue is drained after the run, so an item never consumed is lost, not late. Checked:
 *
 * <ul>
 * <li>no item is consumed twice (whatever its put's outcome), and none that was never put, or
 * whose put failed;</li>
 * <li>no item is handed to a handler again once it was consumed: processing twice is allowed
 * only while the item was never consumed (a claim lost with its session, a handler that failed),
 * which is the at-least-once processing the queue promises;</li>
 * <li>every acknowledged put is consumed, unless its outcome is unknown for the queue's own
 * reasons: a processing of the item ended without a known outcome ({@code CLAIM_LOST}, or the
 * call failed after the handler ran: it may have been completed), or a take or poll failed after
 * the put began (it may have removed the item without returning it: the queue drops a take whose
 * outcome its instance could not learn). Each such failed take accounts for one item at most.</li>
 * </ul>
 */
final class QueueChecker implements Checker {
    private static final Set<String> PUTS = Set.of("put", "put-async");
    private static final Set<String> TAKES = Set.of("take", "poll");
    private static final Set<String> CONSUMED = Set.of("COMPLETED", "DEAD_LETTERED");

    @Override
    public String workload() {
        return QueueWorkload.NAME;
    }

    @Override
    public Verdict check(Evidence evidence) {
        Ledger ledger = new Ledger();
        for (Operation o : evidence.operations()) {
            if (o.workload().equals(QueueWorkload.NAME)) {
                ledger.add(o);
            }
        }
        ledger.markUncertainProcessing();
        List<String> violations = new ArrayList<>();
        List<Mark> marks = new ArrayList<>();
        ledger.checkConsumptions(violations, marks);
        ledger.checkReprocessing(violations, marks);
        ledger.checkLost(violations, marks);
        return new Verdict("queue", "each acknowledged put consumed once; none twice, none unput",
                ledger.acknowledged(), violations, marks);
    }

    /** What the history says about each item. */
    private static final class Ledger {
        final Map<String, Operation> puts = new HashMap<>();
        final Map<String, List<Operation>> consumptions = new LinkedHashMap<>();
        final Map<String, List<Operation>> handles = new HashMap<>();
        final Set<String> uncertain = new HashSet<>();
        final List<Operation> failedTakes = new ArrayList<>();
        final List<Operation> unclearProcessing = new ArrayList<>();

        void add(Operation o) {
            if (PUTS.contains(o.op())) {
                puts.put(o.input(), o);
            } else if (TAKES.contains(o.op())) {
                if (o.outcome() == Operation.Outcome.OK && !o.result().isEmpty()) {
                    consumptions.computeIfAbsent(o.result(), k -> new ArrayList<>()).add(o);
                } else if (o.outcome() == Operation.Outcome.UNKNOWN) {
                    failedTakes.add(o);
                }
            } else if (o.op().equals("handle")) {
                handles.computeIfAbsent(o.input(), k -> new ArrayList<>()).add(o);
            } else if (o.op().equals("process")) {
                addProcessing(o);
            }
        }

        private void addProcessing(Operation o) {
            String[] words = o.result().split(" ", 3);
            if (o.outcome() == Operation.Outcome.OK && words.length >= 2) {
                if (CONSUMED.contains(words[0])) {
                    consumptions.computeIfAbsent(words[1], k -> new ArrayList<>()).add(o);
                } else if (words[0].equals("CLAIM_LOST")) {
                    uncertain.add(words[1]);
                }
            } else if (o.outcome() == Operation.Outcome.UNKNOWN) {
                if (words.length >= 1 && !words[0].isEmpty() && !words[0].equals(QueueWorkload.NO_ITEM)) {
                    uncertain.add(words[0]);
                } else {
                    unclearProcessing.add(o);
                }
            }
        }

        /** A processing with no outcome at all (its worker stopped): the items its worker handled meanwhile. */
        void markUncertainProcessing() {
            for (Operation p : unclearProcessing) {
                long end = p.endMono() < 0 ? Long.MAX_VALUE : p.endMono();
                handles.forEach((item, hs) -> {
                    for (Operation h : hs) {
                        if (h.worker().equals(p.worker()) && h.startMono() >= p.startMono() && h.startMono() <= end) {
                            uncertain.add(item);
                        }
                    }
                });
            }
        }

        int acknowledged() {
            return (int) puts.values().stream().filter(p -> p.outcome() == Operation.Outcome.OK).count();
        }

        void checkConsumptions(List<String> violations, List<Mark> marks) {
            consumptions.forEach((item, cs) -> {
                Operation put = puts.get(item);
                if (cs.size() > 1) {
                    violations.add(String.format("item %s consumed %d times: %s", item, cs.size(), describe(cs)));
                    marks.add(Mark.at(cs.get(1)));
                }
                if (put == null) {
                    violations.add(String.format("item %s consumed (%s) but never put", item, describe(cs)));
                    marks.add(Mark.at(cs.get(0)));
                } else if (put.outcome() == Operation.Outcome.FAILED) {
                    violations.add(String.format("item %s consumed (%s) although its put failed", item, describe(cs)));
                    marks.add(Mark.at(cs.get(0)));
                }
            });
            handles.forEach((item, hs) -> {
                if (!puts.containsKey(item)) {
                    violations.add(String.format("item %s handled by %s but never put", item, hs.get(0).worker()));
                    marks.add(Mark.at(hs.get(0)));
                }
            });
        }

        /** A handler given an item after it was consumed: the queue offered a consumed item again. */
        void checkReprocessing(List<String> violations, List<Mark> marks) {
            handles.forEach((item, hs) -> {
                Operation first = firstConsumption(item);
                if (first == null) {
                    return;
                }
                for (Operation h : hs) {
                    if (h.startMono() > first.endMono()) {
                        violations.add(String.format("item %s handed to %s's handler after %s had consumed it (%s)",
                                item, h.worker(), first.worker(), first.op()));
                        marks.add(Mark.at(h));
                    }
                }
            });
        }

        private Operation firstConsumption(String item) {
            return consumptions.getOrDefault(item, List.of()).stream().filter(c -> c.endMono() >= 0)
                    .min(Comparator.comparingLong(Operation::endMono)).orElse(null);
        }

        /**
         * Acknowledged puts never consumed and not uncertain are lost, unless a failed take could
         * have removed them: one per failed take, which must have ended after the put began.
         */
        void checkLost(List<String> violations, List<Mark> marks) {
            List<Operation> missing = new ArrayList<>();
            for (Operation put : puts.values()) {
                if (put.outcome() == Operation.Outcome.OK && !consumptions.containsKey(put.input())
                        && !uncertain.contains(put.input())) {
                    missing.add(put);
                }
            }
            missing.sort(Comparator.comparingLong(Operation::startMono));
            failedTakes.sort(Comparator.comparingLong(QueueChecker::endOrNever));
            int next = 0;
            for (Operation take : failedTakes) {
                if (next < missing.size() && missing.get(next).startMono() <= endOrNever(take)) {
                    next++; // the earliest missing item this failed take may have removed
                }
            }
            for (Operation put : missing.subList(next, missing.size())) {
                violations.add(String.format("acknowledged put of %s by %s was never consumed", put.input(),
                        put.worker()));
                marks.add(Mark.at(put));
            }
        }
    }

    private static long endOrNever(Operation o) {
        return o.endMono() < 0 ? Long.MAX_VALUE : o.endMono();
    }

    private static String describe(List<Operation> consumptions) {
        List<String> parts = new ArrayList<>();
        for (Operation c : consumptions) {
            parts.add(c.worker() + " " + c.op() + (c.op().equals("process") ? " " + c.result().split(" ")[0] : ""));
        }
        return String.join(", ", parts);
    }
}
