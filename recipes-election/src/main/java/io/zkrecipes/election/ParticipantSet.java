package io.zkrecipes.election;

import io.zkrecipes.core.internal.Sequences;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The participants a {@link LeaderObserver} knows, by node name in line order (lowest sequence
 * first). Not thread-safe: only the observer's thread touches it.
 */
final class ParticipantSet {
    private static final Comparator<String> LINE = Sequences.ORDER.thenComparing(Comparator.naturalOrder());
    private final TreeMap<String, Participant> byNode = new TreeMap<>(LINE);

    Participant get(String node) {
        return byNode.get(node);
    }

    void put(Participant p) {
        byNode.put(p.node(), p);
    }

    void remove(String node) {
        byNode.remove(node);
    }

    void clear() {
        byNode.clear();
    }

    /** Replaces everything with {@code participants} (keyed by node name). */
    void replaceWith(Map<String, Participant> participants) {
        byNode.clear();
        byNode.putAll(participants);
    }

    /** The participants in line order, leader first; an immutable copy. */
    List<Participant> snapshot() {
        return List.copyOf(byNode.values());
    }

    /** The participant with the lowest sequence, or empty if there is none. */
    Optional<Participant> leader() {
        return byNode.isEmpty() ? Optional.empty() : Optional.of(byNode.firstEntry().getValue());
    }
}
