package io.zkrecipes.partition;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who should own which partition: a pure function of the live members and the partition set, so
 * that every member computes the same answer from the same view without talking to the others.
 *
 * <p>Bounded-load rendezvous hashing. Every (partition, member) pair has a weight from a hash of
 * both names; pairs are taken heaviest first, and a pair assigns its partition when the partition
 * is still free and the member still has room. Each member has room for {@code floor(P/N)}
 * partitions, and the first {@code P mod N} members to reach that many may take one more; so loads
 * differ by at most one, and a join or leave moves few partitions besides the ones that must move,
 * because most pairs keep their order. Costs {@code O(P·N·log(P·N))}.
 */
final class Assignment {
    private static final Comparator<Pair> HEAVIEST_FIRST = Comparator.comparingLong(Pair::weight).reversed()
            .thenComparingInt(Pair::partition).thenComparingInt(Pair::member);

    private record Pair(long weight, int partition, int member) {
    }

    private Assignment() {
    }

    /** Partition to member, for every partition when there is a member; sorted by partition. */
    static Map<String, String> owners(Collection<String> members, Collection<String> partitions) {
        List<String> ms = List.copyOf(new TreeSet<>(members));
        List<String> ps = List.copyOf(new TreeSet<>(partitions));
        Map<String, String> owners = new TreeMap<>();
        if (ms.isEmpty()) {
            return owners;
        }
        int floor = ps.size() / ms.size();
        int extra = ps.size() % ms.size();
        int[] loads = new int[ms.size()];
        int atCeiling = 0;
        for (Pair pair : heaviestFirst(ms, ps)) {
            String partition = ps.get(pair.partition());
            int m = pair.member();
            if (owners.containsKey(partition) || loads[m] >= (atCeiling < extra ? floor + 1 : floor)) {
                continue;
            }
            owners.put(partition, ms.get(m));
            if (++loads[m] == floor + 1) {
                atCeiling++;
            }
            if (owners.size() == ps.size()) {
                break;
            }
        }
        return owners;
    }

    /** The partitions {@code member} should own, sorted; empty when it is not among {@code members}. */
    static TreeSet<String> of(String member, Collection<String> members, Collection<String> partitions) {
        TreeSet<String> mine = new TreeSet<>();
        if (members.contains(member)) {
            owners(members, partitions).forEach((p, m) -> {
                if (m.equals(member)) {
                    mine.add(p);
                }
            });
        }
        return mine;
    }

    private static List<Pair> heaviestFirst(List<String> members, List<String> partitions) {
        long[] memberHashes = members.stream().mapToLong(Assignment::hash).toArray();
        List<Pair> pairs = new ArrayList<>(members.size() * partitions.size());
        for (int p = 0; p < partitions.size(); p++) {
            long partitionHash = hash(partitions.get(p));
            for (int m = 0; m < memberHashes.length; m++) {
                pairs.add(new Pair(mix(partitionHash ^ mix(memberHashes[m])), p, m));
            }
        }
        pairs.sort(HEAVIEST_FIRST);
        return pairs;
    }

    /** FNV-1a over the name's UTF-8 bytes, then mixed: the same on every JVM, and well spread even for "0".."99". */
    static long hash(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(h);
    }

    /** The 64-bit finalizer of MurmurHash3: spreads every input bit over the whole word. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
