package io.zkrecipes.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records items put into a queue and taken out of it, and checks delivery: each produced item taken
 * exactly once (or at least once, for claimed processing), nothing taken that was never produced.
 * Items are compared with {@code equals}, so produce distinct items. Thread-safe.
 *
 * @param <T> the item type
 */
public final class ItemHistory<T> {
    private final Set<T> produced = new LinkedHashSet<>();
    private final Map<T, List<String>> takers = new LinkedHashMap<>();
    private final List<String> duplicateProductions = new ArrayList<>();

    /** {@code item} was put; call it before the put, so that a take can never be recorded first. */
    public synchronized void produced(T item) {
        if (!produced.add(item)) {
            duplicateProductions.add(String.valueOf(item));
        }
    }

    /** {@code item} was taken by {@code consumerId}. */
    public synchronized void taken(T item, String consumerId) {
        takers.computeIfAbsent(item, k -> new ArrayList<>()).add(consumerId);
    }

    /** How many items were produced. */
    public synchronized int producedCount() {
        return produced.size();
    }

    /** How many takes were recorded, duplicates included. */
    public synchronized int takenCount() {
        return takers.values().stream().mapToInt(List::size).sum();
    }

    /** Whether every produced item has been taken at least once (to wait on with Awaitility). */
    public synchronized boolean allTaken() {
        return takers.keySet().containsAll(produced);
    }

    /**
     * Asserts that every produced item was taken exactly once and nothing else was taken.
     *
     * @throws AssertionError listing duplicates (with their takers), missing and unknown items
     */
    public void assertEachTakenExactlyOnce() {
        check(true);
    }

    /** Asserts that every produced item was taken at least once and nothing else was taken. */
    public void assertEachTakenAtLeastOnce() {
        check(false);
    }

    private synchronized void check(boolean exactlyOnce) {
        List<String> violations = new ArrayList<>();
        duplicateProductions.forEach(item -> violations.add("produced twice: " + item));
        List<T> missing = new ArrayList<>();
        for (T item : produced) {
            List<String> by = takers.get(item);
            if (by == null) {
                missing.add(item);
            } else if (exactlyOnce && by.size() > 1) {
                violations.add("taken " + by.size() + " times: " + item + " by " + by);
            }
        }
        if (!missing.isEmpty()) {
            violations.add("never taken (" + missing.size() + "): " + missing);
        }
        takers.forEach((item, by) -> {
            if (!produced.contains(item)) {
                violations.add("taken but never produced: " + item + " by " + by);
            }
        });
        HoldHistory.fail(violations, (exactlyOnce ? "not taken exactly once" : "not taken at least once")
                + " (" + produced.size() + " produced, " + takenCount() + " taken)");
    }
}
