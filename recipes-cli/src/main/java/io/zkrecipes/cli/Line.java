package io.zkrecipes.cli;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The order of a line of sequential nodes ({@code <prefix><unique id>_<sequence>}), as the
 * recipes keep it: by the sequence ZooKeeper appended, read as an unsigned 32-bit number so that
 * the order survives the counter's wrap past 2^31.
 */
final class Line {
    private Line() {
    }

    /** The sequence after the last '_', or -1 if {@code name} has none. */
    static long sequence(String name) {
        int sep = name.lastIndexOf('_');
        if (sep < 0 || sep == name.length() - 1) {
            return -1;
        }
        try {
            return Integer.toUnsignedLong(Integer.parseInt(name.substring(sep + 1)));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether {@code name} is a member named with {@code prefix}. */
    static boolean isMember(String name, String prefix) {
        return name.startsWith(prefix) && sequence(name) >= 0;
    }

    /** The names that carry a sequence, first in line first. */
    static List<String> inOrder(Collection<String> names) {
        return names.stream().filter(n -> sequence(n) >= 0).sorted(Comparator.comparingLong(Line::sequence)).toList();
    }
}
