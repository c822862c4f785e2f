package io.zkrecipes.partition;

import io.zkrecipes.testing.HoldHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records every ownership the members' callbacks report, one {@link HoldHistory} per partition: a
 * grant at {@code assigned}, a release just before {@code revoked} returns. A killed member's
 * ownerships end when it is killed (a dead process does no more work), and its later callbacks are
 * ignored. Checks that no partition ever had two owners and that each new owner's token is larger.
 */
final class Ledger {
    private final Map<String, HoldHistory> histories = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> holding = new TreeMap<>();
    private final Set<String> dead = ConcurrentHashMap.newKeySet();
    private final List<String> violations = new ArrayList<>();
    private long grants;

    /** The listener of a new process of member {@code member} (a killed one may come back under its id). */
    PartitionListener listenerFor(String member) {
        dead.remove(member);
        return new PartitionListener() {
            @Override
            public void assigned(String partition, long token) {
                granted(member, partition, token);
            }

            @Override
            public void revoked(String partition) {
                ended(member, partition);
            }
        };
    }

    /** {@code member}'s process dies now: what it held ends here. Call before closing its client. */
    synchronized void died(String member) {
        dead.add(member);
        holding.getOrDefault(member, Map.of()).keySet().forEach(p -> history(p).releasing(member));
        holding.remove(member);
    }

    /** Partition to token, as {@code member}'s callbacks told it. */
    synchronized Map<String, Long> heldBy(String member) {
        return new TreeMap<>(holding.getOrDefault(member, Map.of()));
    }

    /** Partition to member, for every partition held now. */
    synchronized Map<String, String> owners() {
        Map<String, String> owners = new TreeMap<>();
        holding.forEach((member, held) -> held.keySet().forEach(p -> owners.put(p, member)));
        return owners;
    }

    synchronized long grants() {
        return grants;
    }

    /** Asserts that no partition had two owners at once and that tokens grew from owner to owner. */
    void assertSafe() {
        assertNoOverlap();
        assertTokensGrow();
    }

    /** Asserts that each new owner of a partition had a larger token than the one before. */
    void assertTokensGrow() {
        histories.forEach(Ledger::assertTokensGrow);
    }

    private void assertNoOverlap() {
        synchronized (this) {
            if (!violations.isEmpty()) {
                throw new AssertionError("callbacks out of order:\n  " + String.join("\n  ", violations));
            }
        }
        histories.forEach((partition, history) -> {
            try {
                history.assertNoOverlap();
            } catch (AssertionError e) {
                throw new AssertionError("partition " + partition + ": " + e.getMessage(), e);
            }
        });
    }

    private static void assertTokensGrow(String partition, HoldHistory history) {
        HoldHistory.Event previous = null;
        for (HoldHistory.Event event : history.events()) {
            if (!event.grant()) {
                continue;
            }
            boolean resumed = previous != null && previous.holder().equals(event.holder())
                    && previous.token().equals(event.token());
            if (previous != null && !resumed && event.token() <= previous.token()) {
                throw new AssertionError("partition " + partition + ": " + event + " after " + previous
                        + ": a new owner's token must be larger");
            }
            previous = event;
        }
    }

    private synchronized void granted(String member, String partition, long token) {
        if (dead.contains(member)) {
            return;
        }
        grants++;
        if (holding.computeIfAbsent(member, m -> new TreeMap<>()).put(partition, token) != null) {
            violations.add(member + " was assigned " + partition + " twice");
        }
        history(partition).acquired(member, token);
    }

    private synchronized void ended(String member, String partition) {
        if (dead.contains(member)) {
            return;
        }
        if (holding.getOrDefault(member, Map.of()).remove(partition) == null) {
            violations.add(member + " had " + partition + " revoked without holding it");
        }
        history(partition).releasing(member);
    }

    private HoldHistory history(String partition) {
        return histories.computeIfAbsent(partition, p -> new HoldHistory());
    }
}
