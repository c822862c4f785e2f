package io.zkrecipes.partition;

import io.zkrecipes.core.ZkPaths;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition set as the group node stores it: the names, sorted, one a line, in UTF-8. Empty
 * data means that no set was stored yet (a stored set is never empty).
 */
final class PartitionSet {
    private static final Logger log = LoggerFactory.getLogger(PartitionSet.class);

    private PartitionSet() {
    }

    /** {@code "0"} to {@code "count-1"}, sorted by name; they must fit in {@code maxBytes} stored. */
    static List<String> numbered(int count, int maxBytes) {
        if (count < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + count);
        }
        if (count > maxBytes / 2) { // each name takes a digit and a line break at least
            throw new IllegalArgumentException("partitions must be at most " + maxBytes / 2
                    + " to fit in one node's data, was " + count);
        }
        TreeSet<String> names = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            names.add(Integer.toString(i));
        }
        List<String> sorted = List.copyOf(names);
        encode(sorted, maxBytes);
        return sorted;
    }

    /**
     * The names, checked and sorted.
     *
     * @throws NullPointerException     if the collection or a name is null
     * @throws IllegalArgumentException if it is empty, holds a name twice, or a name is not a node
     *                                  name or contains a line break
     */
    static List<String> checked(Collection<String> partitions) {
        Objects.requireNonNull(partitions, "partitions");
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("partitions must not be empty");
        }
        TreeSet<String> names = new TreeSet<>();
        for (String name : partitions) {
            Objects.requireNonNull(name, "partition");
            if (name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("partition '" + name + "' must not contain a line break");
            }
            ZkPaths.validateSegment(name, "partition");
            if (!names.add(name)) {
                throw new IllegalArgumentException("partitions must be distinct, '" + name + "' is given twice");
            }
        }
        return List.copyOf(names);
    }

    /**
     * The stored form of checked names.
     *
     * @throws IllegalArgumentException if it is larger than {@code maxBytes}
     */
    static byte[] encode(List<String> partitions, int maxBytes) {
        byte[] data = String.join("\n", partitions).getBytes(StandardCharsets.UTF_8);
        if (data.length > maxBytes) {
            throw new IllegalArgumentException("partitions take " + data.length + " bytes stored, over the limit of "
                    + maxBytes + " bytes of one node's data");
        }
        return data;
    }

    /** The names stored in the group node at {@code path}, sorted; empty for no set. Bad names are skipped. */
    static List<String> decode(byte[] data, String path) {
        TreeSet<String> names = new TreeSet<>();
        if (data == null) {
            return List.of();
        }
        for (String name : new String(data, StandardCharsets.UTF_8).split("\n")) {
            try {
                if (!name.isEmpty()) {
                    names.add(ZkPaths.validateSegment(name, "partition"));
                }
            } catch (IllegalArgumentException e) {
                log.warn("Skipping a partition stored in {}: {}", path, e.getMessage());
            }
        }
        return List.copyOf(names);
    }
}
