package io.zkrecipes.core.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads and orders the sequence numbers ZooKeeper appends to sequential nodes. The server prints
 * a signed 32-bit counter, which turns negative after 2^31 creates under one parent; read as
 * unsigned, the order stays right across that wrap. Names made by {@link ProtectedCreate} end in
 * {@code _<sequence>}.
 */
public final class Sequences {
    /** Orders names by their sequence suffix, read as an unsigned 32-bit number. */
    public static final Comparator<String> ORDER = Comparator.comparingLong(Sequences::sequence);

    private Sequences() {
    }

    /** The sequence suffix of {@code name} as an unsigned number, or -1 if it has none. */
    public static long sequence(String name) {
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

    /** The names that carry a sequence, sorted by it. */
    public static List<String> sorted(List<String> names) {
        List<String> members = new ArrayList<>(names.size());
        for (String n : names) {
            if (sequence(n) >= 0) {
                members.add(n);
            }
        }
        members.sort(ORDER);
        return members;
    }
}
