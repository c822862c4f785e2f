package io.zkrecipes.campaign;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Subscribers never see a key go back and all end at the final value. For every subscriber, in
 * the order it received its updates, each key's value only grows (each publisher writes 1, 2, 3,
 * ...), and is a value that was published; after the run settled, each subscriber's last value of
 * each key is the value the key's publisher read back from ZooKeeper (if it could not, a value
 * between its last acknowledged write and its last attempted one).
 */
final class ConfigChecker implements Checker {
    /** A key's value in the subscriber's eyes when absent or removed: below every published value. */
    private static final long ABSENT = 0;

    @Override
    public String workload() {
        return ConfigWorkload.NAME;
    }

    @Override
    public Verdict check(Evidence evidence) {
        Map<String, Set<Long>> attempted = new HashMap<>();
        Map<String, Long> lastAcknowledged = new HashMap<>();
        Map<String, Long> finals = new HashMap<>();
        Set<String> subscribers = new LinkedHashSet<>();
        List<Operation> seen = new ArrayList<>();
        for (Operation o : evidence.operations()) {
            if (!o.workload().equals(ConfigWorkload.NAME)) {
                continue;
            }
            switch (o.op()) {
                case "publish" -> {
                    String[] kv = o.input().split("=", 2);
                    long value = Operation.number(kv[1], ABSENT);
                    attempted.computeIfAbsent(kv[0], k -> new HashSet<>()).add(value);
                    if (o.outcome() == Operation.Outcome.OK) {
                        lastAcknowledged.merge(kv[0], value, Math::max);
                    }
                }
                case "final" -> {
                    if (o.outcome() == Operation.Outcome.OK) {
                        finals.put(o.input(), value(o.result()));
                    }
                }
                case "subscribe" -> {
                    if (o.outcome() == Operation.Outcome.OK) {
                        subscribers.add(o.worker());
                    }
                }
                case "seen" -> {
                    if (o.outcome() == Operation.Outcome.OK) {
                        seen.add(o);
                    }
                }
                default -> {
                }
            }
        }
        List<String> violations = new ArrayList<>();
        List<Mark> marks = new ArrayList<>();
        Map<String, Map<String, Long>> lastSeen = replay(seen, attempted, violations, marks);
        Set<String> keys = new HashSet<>(attempted.keySet());
        keys.addAll(finals.keySet());
        for (String subscriber : subscribers) {
            Map<String, Long> values = lastSeen.getOrDefault(subscriber, Map.of());
            for (String key : keys.stream().sorted().toList()) {
                String wrong = ending(key, values.getOrDefault(key, ABSENT), finals.get(key),
                        lastAcknowledged.getOrDefault(key, ABSENT), attempted.getOrDefault(key, Set.of()));
                if (wrong != null) {
                    violations.add(subscriber + " ended at " + key + "=" + show(values.getOrDefault(key, ABSENT))
                            + ", " + wrong);
                    lastSeenOp(seen, subscriber).ifPresent(o -> marks.add(Mark.at(o)));
                }
            }
        }
        return new Verdict("config", "no value went back; subscribers ended at the final values",
                seen.size(), violations, marks);
    }

    /** Replays each subscriber's updates in the order it got them; returns its last value of each key. */
    private static Map<String, Map<String, Long>> replay(List<Operation> seen, Map<String, Set<Long>> attempted,
            List<String> violations, List<Mark> marks) {
        Map<String, Map<String, Long>> last = new HashMap<>();
        for (Operation o : seen) {
            Map<String, Long> values = last.computeIfAbsent(o.worker(), w -> new HashMap<>());
            if (o.input().equals("initial")) {
                values.clear(); // a new subscription starts from its own first snapshot
            }
            for (String change : o.result().split(" ")) {
                String[] kv = change.split("=", 2);
                if (kv.length < 2) {
                    continue;
                }
                long value = value(kv[1]);
                long before = values.getOrDefault(kv[0], ABSENT);
                if (value < before) {
                    violations.add(String.format("%s saw %s go back from %s to %s", o.worker(), kv[0], show(before),
                            show(value)));
                    marks.add(Mark.at(o));
                }
                if (value != ABSENT && !attempted.getOrDefault(kv[0], Set.of()).contains(value)) {
                    violations.add(String.format("%s saw %s=%d, which was never published", o.worker(), kv[0], value));
                    marks.add(Mark.at(o));
                }
                values.put(kv[0], value);
            }
        }
        return last;
    }

    /** Why {@code value} is not where the key ended, or null if it is. */
    private static String ending(String key, long value, Long fin, long acknowledged, Set<Long> attempted) {
        if (fin != null) {
            return value == fin ? null : "but its final value is " + show(fin);
        }
        long highest = attempted.stream().mapToLong(Long::longValue).max().orElse(ABSENT);
        if (value < acknowledged) {
            return "below the last acknowledged value " + acknowledged + " (no final read of " + key + ")";
        }
        return value > highest ? "above every published value (no final read of " + key + ")" : null;
    }

    private static Optional<Operation> lastSeenOp(List<Operation> seen, String worker) {
        Operation last = null;
        for (Operation o : seen) {
            if (o.worker().equals(worker)) {
                last = o;
            }
        }
        return Optional.ofNullable(last);
    }

    private static long value(String text) {
        return text.equals(ConfigWorkload.ABSENT) ? ABSENT : Operation.number(text, ABSENT);
    }

    private static String show(long value) {
        return value == ABSENT ? "absent" : Long.toString(value);
    }
}
