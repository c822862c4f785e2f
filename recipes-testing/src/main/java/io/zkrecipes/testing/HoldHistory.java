package io.zkrecipes.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Records who holds a lock, semaphore lease or similar grant, and checks the safety properties of
 * the recorded history: never more than N holders at once, and fencing tokens that strictly increase
 * in grant order.
 *
 * <p>Call {@link #acquired} right after a grant and {@link #releasing} right before the release, so
 * that a correct recipe can never produce an overlap: the release happens before the next grant, and
 * so does its record. A holder is the calling thread unless named explicitly; a holder with two
 * grants at once (two semaphore leases) counts twice, so call it only once for a reentrant hold.
 * Thread-safe: events are ordered by one internal lock.
 */
public final class HoldHistory {
    private final List<Event> events = new ArrayList<>();

    /** One recorded grant or release. {@code token} is null when none was given. */
    public record Event(long seq, String holder, boolean grant, Long token) {
        @Override
        public String toString() {
            return "#" + seq + " " + holder + (grant ? " acquired" + (token == null ? "" : " token " + token)
                    : " releasing");
        }
    }

    /** The calling thread was granted, with no fencing token. */
    public void acquired() {
        record(currentHolder(), true, null);
    }

    /** The calling thread was granted, with fencing token {@code token}. */
    public void acquired(long token) {
        record(currentHolder(), true, token);
    }

    /** {@code holder} was granted, with no fencing token. */
    public void acquired(String holder) {
        record(holder, true, null);
    }

    /** {@code holder} was granted, with fencing token {@code token}. */
    public void acquired(String holder, long token) {
        record(holder, true, token);
    }

    /** The calling thread is about to release. */
    public void releasing() {
        record(currentHolder(), false, null);
    }

    /** {@code holder} is about to release. */
    public void releasing(String holder) {
        record(holder, false, null);
    }

    /** Every event so far, in order. */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** How many grants were recorded. */
    public synchronized long grants() {
        return events.stream().filter(Event::grant).count();
    }

    /** The largest number of holders seen at once. */
    public int maxConcurrent() {
        return replay(Integer.MAX_VALUE, new ArrayList<>());
    }

    /** Asserts that no two holders ever overlapped. */
    public void assertNoOverlap() {
        assertMaxConcurrent(1);
    }

    /**
     * Asserts that there were never more than {@code limit} holders at once and that nobody released
     * what it did not hold.
     *
     * @throws AssertionError listing each violation with the holders at that moment
     */
    public void assertMaxConcurrent(int limit) {
        List<String> violations = new ArrayList<>();
        replay(limit, violations);
        fail(violations, "more than " + limit + " holder(s) at once or bad releases");
    }

    /**
     * Asserts that fencing tokens strictly increase in grant order (for exclusive grants; grants
     * without a token are skipped).
     */
    public void assertTokensIncrease() {
        List<String> violations = new ArrayList<>();
        Event previous = null;
        for (Event event : events()) {
            if (!event.grant() || event.token() == null) {
                continue;
            }
            if (previous != null && event.token() <= previous.token()) {
                violations.add(event + " does not exceed " + previous);
            }
            previous = event;
        }
        fail(violations, "fencing tokens do not strictly increase");
    }

    private int replay(int limit, List<String> violations) {
        Map<String, Integer> holding = new HashMap<>();
        int current = 0;
        int max = 0;
        for (Event event : events()) {
            if (event.grant()) {
                holding.merge(event.holder(), 1, Integer::sum);
                current++;
                max = Math.max(max, current);
                if (current > limit) {
                    violations.add(event + " while held by " + holders(holding, event.holder()));
                }
            } else if (holding.getOrDefault(event.holder(), 0) == 0) {
                violations.add(event + " without holding");
            } else {
                holding.merge(event.holder(), -1, (a, b) -> a + b == 0 ? null : a + b);
                current--;
            }
        }
        return max;
    }

    private static String holders(Map<String, Integer> holding, String except) {
        return holding.entrySet().stream()
                .filter(e -> !e.getKey().equals(except) || e.getValue() > 1)
                .map(e -> e.getValue() > 1 ? e.getKey() + " x" + e.getValue() : e.getKey())
                .sorted().collect(Collectors.joining(", ", "[", "]"));
    }

    private synchronized void record(String holder, boolean grant, Long token) {
        events.add(new Event(events.size() + 1, holder, grant, token));
    }

    private static String currentHolder() {
        Thread thread = Thread.currentThread();
        return thread.getName() + "#" + thread.getId();
    }

    static void fail(List<String> violations, String property) {
        if (!violations.isEmpty()) {
            throw new AssertionError(property + ": " + violations.size() + " violation(s)\n  "
                    + String.join("\n  ", violations));
        }
    }

    @Override
    public synchronized String toString() {
        return "HoldHistory" + events;
    }
}
