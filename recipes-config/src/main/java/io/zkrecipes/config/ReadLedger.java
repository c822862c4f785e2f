package io.zkrecipes.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Where the cache stands in its session's stream of notifications and replies (see {@link KeyCache}):
 * positions counted by {@code seq}, the reads outstanding per key and per triggering position, and
 * the barriers waiting for a published view. Not thread-safe: guarded by the cache's lock.
 */
final class ReadLedger {
    /** Trigger of resync reads: older than any event, so nothing is published before they are in. */
    static final long RESYNC = Long.MIN_VALUE;

    private record Barrier(long seq, CompletableFuture<Void> future) {
    }

    private final Map<String, Integer> reading = new HashMap<>();
    private final TreeMap<Long, Integer> triggers = new TreeMap<>();
    private final List<Barrier> barriers = new ArrayList<>();
    private long seq;
    private long lastReplySeq;

    /** Counts an event; returns its position. */
    long event() {
        return ++seq;
    }

    /** Whether a read of {@code key} is in flight. */
    boolean reading(String key) {
        return reading.getOrDefault(key, 0) != 0;
    }

    /** A read of {@code key} goes out, caused by the event at {@code trigger} (or {@link #RESYNC}). */
    void readSent(String key, long trigger) {
        reading.merge(key, 1, Integer::sum);
        triggers.merge(trigger, 1, Integer::sum);
    }

    /** The reply to a read of {@code key} came in: it is the newest position. */
    void readReplied(String key, long trigger) {
        lastReplySeq = ++seq;
        reading.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
        untrigger(trigger);
    }

    /** A listing of a resync goes out. */
    void listingSent() {
        triggers.merge(RESYNC, 1, Integer::sum);
    }

    /** The reply to a resync's listing came in: it is the newest position. */
    void listingReplied() {
        lastReplySeq = ++seq;
        untrigger(RESYNC);
    }

    private void untrigger(long trigger) {
        triggers.computeIfPresent(trigger, (k, n) -> n == 1 ? null : n - 1);
    }

    /** A barrier at the newest position; completed by whoever publishes past it. */
    CompletableFuture<Void> barrier() {
        Barrier b = new Barrier(++seq, new CompletableFuture<>());
        barriers.add(b);
        return b.future();
    }

    /**
     * {@code null} while a read triggered before the last reply is still out (the cache is not
     * exactly a state of the server); otherwise removes and returns the barriers now covered.
     */
    List<CompletableFuture<Void>> takeCovered() {
        if (!triggers.isEmpty() && triggers.firstKey() < lastReplySeq) {
            return null;
        }
        long covered = triggers.isEmpty() ? seq : triggers.firstKey() - 1;
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (Iterator<Barrier> it = barriers.iterator(); it.hasNext(); ) {
            Barrier b = it.next();
            if (b.seq() <= covered) {
                ready.add(b.future());
                it.remove();
            }
        }
        return ready;
    }

    /** Forgets the reads in flight: their replies will not count. */
    void forgetReads() {
        reading.clear();
        triggers.clear();
    }

    /** Forgets everything and releases every waiting barrier. */
    void clear() {
        forgetReads();
        barriers.forEach(b -> b.future().complete(null));
        barriers.clear();
    }
}
