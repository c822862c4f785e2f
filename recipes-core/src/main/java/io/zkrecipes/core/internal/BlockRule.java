package io.zkrecipes.core.internal;

import java.util.List;
import java.util.Objects;

/**
 * Decides, in a {@link WaitingLine}, which members ahead block a member from its turn. Members
 * ahead only ever leave, never arrive, so the nearest blocker is all a member needs to watch.
 */
@FunctionalInterface
public interface BlockRule {

    /** Whether {@code ahead}, a member ahead of {@code member} in line, keeps it waiting. */
    boolean blocks(String member, String ahead);

    /**
     * The nearest member of {@code ahead} that blocks {@code me}, or {@code null} when none does
     * and it is {@code me}'s turn.
     *
     * @param ahead the names of the members ahead of {@code me}, sorted, nearest last
     */
    default String nearestBlocker(String me, List<String> ahead) {
        for (int i = ahead.size() - 1; i >= 0; i--) {
            if (blocks(me, ahead.get(i))) {
                return ahead.get(i);
            }
        }
        return null;
    }

    /** Everyone ahead blocks: one member at a time, in line order (locks, elections). */
    static BlockRule exclusive() {
        return (member, ahead) -> true;
    }

    /**
     * Readers share, writers exclude: a member named with {@code readPrefix} is blocked only by
     * writers ahead of it; any other member is blocked by everyone ahead. A waiting writer thus
     * blocks every reader behind it, so writers are not starved.
     */
    static BlockRule readWrite(String readPrefix) {
        Objects.requireNonNull(readPrefix, "readPrefix");
        return (member, ahead) -> !(member.startsWith(readPrefix) && ahead.startsWith(readPrefix));
    }
}
