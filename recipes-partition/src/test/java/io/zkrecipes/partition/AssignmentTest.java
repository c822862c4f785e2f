package io.zkrecipes.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class AssignmentTest {
    private static final int[][] SHAPES = {{1, 1}, {1, 7}, {3, 2}, {4, 16}, {5, 16}, {7, 100}, {16, 16}, {10, 3}, {12, 257}};

    @Test
    void owners_giveEveryPartitionToOneMember_loadsWithinOne() {
        for (int[] shape : SHAPES) {
            List<String> members = members(shape[0], "m");
            List<String> partitions = PartitionSet.numbered(shape[1], 1 << 20);
            Map<String, String> owners = Assignment.owners(members, partitions);
            assertEquals(partitions, new ArrayList<>(owners.keySet()), "every partition has an owner");
            Map<String, Integer> loads = loads(owners, members);
            int min = Collections.min(loads.values());
            int max = Collections.max(loads.values());
            assertTrue(max - min <= 1, "loads " + loads + " for " + shape[0] + " members, " + shape[1] + " partitions");
            assertEquals(shape[1] / shape[0], min, "the smallest load is floor(P/N)");
        }
    }

    @Test
    void owners_areTheSameWhateverTheOrderOfTheInput() {
        List<String> members = members(6, "worker-");
        List<String> partitions = PartitionSet.numbered(40, 1 << 20);
        Map<String, String> expected = Assignment.owners(members, partitions);
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            List<String> m = new ArrayList<>(members);
            List<String> p = new ArrayList<>(partitions);
            Collections.shuffle(m, random);
            Collections.shuffle(p, random);
            assertEquals(expected, Assignment.owners(m, p));
        }
    }

    @Test
    void owners_ofNoMember_isEmpty_andOfIsEmptyForAStranger() {
        assertTrue(Assignment.owners(List.of(), List.of("a", "b")).isEmpty());
        assertTrue(Assignment.of("x", List.of("a", "b"), List.of("p", "q")).isEmpty());
        assertEquals(2, Assignment.of("a", List.of("a"), List.of("p", "q")).size());
    }

    /**
     * A join must move at least the newcomer's share (and a leave, its reverse, the leaver's share).
     * Rendezvous keeps the rest mostly in place: over many groups the moves stay within 1.5 times
     * that minimum, and under a third of what dealing the sorted partitions round-robin would move.
     */
    @Test
    void joinAndLeave_moveFewPartitionsBeyondTheOnesThatMust() {
        long moved = 0;
        long minimum = 0;
        long roundRobin = 0;
        for (int n = 2; n <= 12; n++) {
            for (int p : new int[] {n, 3 * n + 1, 64, 100}) {
                List<String> before = members(n, "m");
                List<String> after = members(n + 1, "m");
                List<String> partitions = PartitionSet.numbered(p, 1 << 20);
                Map<String, String> a = Assignment.owners(before, partitions);
                Map<String, String> b = Assignment.owners(after, partitions);
                long join = partitions.stream().filter(x -> !a.get(x).equals(b.get(x))).count();
                String joined = after.get(n);
                long newcomer = b.values().stream().filter(joined::equals).count();
                assertTrue(join >= newcomer);
                moved += join;
                minimum += newcomer;
                for (int i = 0; i < p; i++) {
                    roundRobin += i % n != i % (n + 1) ? 1 : 0;
                }
            }
        }
        assertTrue(moved <= 1.5 * minimum, "moved " + moved + " in all where " + minimum + " had to");
        assertTrue(moved * 3 < roundRobin, "moved " + moved + ", round-robin would move " + roundRobin);
    }

    private static List<String> members(int n, String prefix) {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(prefix + i);
        }
        return members;
    }

    private static Map<String, Integer> loads(Map<String, String> owners, List<String> members) {
        Map<String, Integer> loads = new HashMap<>();
        members.forEach(m -> loads.put(m, 0));
        owners.values().forEach(m -> loads.merge(m, 1, Integer::sum));
        return loads;
    }
}
