package io.zkrecipes.core;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts the requests a {@link ZkClient} has sent, by type: what the library's round-trip claims
 * ("no re-listing", "one request per hand-off") are checked against, in tests and benchmarks.
 */
public final class RequestStats {

    /** The kinds of request counted, one per ZooKeeper request type the library sends. */
    public enum Type {
        /** {@code create}, of any mode. */
        CREATE,
        /** {@code delete}. */
        DELETE,
        /** {@code exists}, with or without a watch. */
        EXISTS,
        /** {@code getData}, with or without a watch; also a read-only multi of several {@code getData}. */
        GET_DATA,
        /** {@code setData}. */
        SET_DATA,
        /** {@code getChildren}, with or without a watch. */
        GET_CHILDREN,
        /** {@code multi}: one transaction, however many operations it holds. */
        MULTI,
        /** {@code addWatch}: a persistent or persistent recursive watch. */
        ADD_WATCH,
        /** {@code removeWatches} and {@code removeAllWatches}. */
        REMOVE_WATCHES,
        /** {@code sync}. */
        SYNC
    }

    private final AtomicLongArray counts = new AtomicLongArray(Type.values().length);

    void record(Type type) {
        counts.incrementAndGet(type.ordinal());
    }

    /** Requests of this type sent since the client was built. */
    public long count(Type type) {
        return counts.get(type.ordinal());
    }

    /** All requests sent since the client was built. */
    public long total() {
        long sum = 0;
        for (int i = 0; i < counts.length(); i++) {
            sum += counts.get(i);
        }
        return sum;
    }

    /** A copy of every counter. */
    public Map<Type, Long> snapshot() {
        Map<Type, Long> copy = new EnumMap<>(Type.class);
        for (Type t : Type.values()) {
            copy.put(t, count(t));
        }
        return copy;
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
