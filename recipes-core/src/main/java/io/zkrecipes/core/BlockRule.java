package io.zkrecipes.core;

import java.util.List;
import java.util.Objects;

/**
 * Decides, in a {@link WaitingLine}, which member ahead blocks a member from its turn. Members
 * ahead only ever leave, never arrive, so the nearest blocker is all a member needs to watch.
 */
@FunctionalInterface
public interface BlockRule {

    /**
     * The nearest member of {@code ahead} that blocks {@code me}, or {@code null} when none does
     * and it is {@code me}'s turn.
     *
     * @param me    the waiting member's node name
     * @param ahead the names of the members ahead of {@code me}, sorted, nearest last
     */
    String nearestBlocker(String me, List<String> ahead);

    /** Everyone ahead blocks: one member at a time, in line order (locks, elections). */
    static BlockRule exclusive() {
        return (me, ahead) -> ahead.isEmpty() ? null : ahead.get(ahead.size() - 1);
    }

    /**
     * Readers share, writers exclude: a member named with {@code readPrefix} is blocked only by
     * writers ahead of it; any other member is blocked by everyone ahead. A waiting writer thus
     * blocks every reader behind it, so writers are not starved.
     */
    static BlockRule readWrite(String readPrefix) {
        Objects.requireNonNull(readPrefix, "readPrefix");
        return (me, ahead) -> {
            boolean reader = me.startsWith(readPrefix);
            for (int i = ahead.size() - 1; i >= 0; i--) {
                String other = ahead.get(i);
                if (!reader || !other.startsWith(readPrefix)) {
                    return other;
                }
            }
            return null;
        };
    }
}
