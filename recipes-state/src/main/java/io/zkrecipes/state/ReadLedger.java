package io.zkrecipes.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Where a {@link TreeWatcher} stands in its session's stream of notifications and replies, and so
 * when its cache is exactly a state the server had. Keys are node paths. Not thread-safe: guarded
 * by the watcher's lock.
 *
 * <p>Every event and reply takes the next position. The server sends a change's notifications
 * before any reply that reflects it, so a read's reply for a node <em>answers</em> every event of
 * that node before it. Two numbers then say what is known:
 * <ul>
 * <li>{@code validFrom}: every cached value holds from this position on (one past the newest event
 *     answered, or a resync's newest listing) until its key's next unanswered event;</li>
 * <li>the first unanswered event (the oldest trigger of a read in flight), before which nothing
 *     changed since {@code validFrom}.</li>
 * </ul>
 * The cache is exactly the server's state at a reply that lies between the two: a reply, unlike a
 * position between two events, is never inside a transaction, so a {@code multi} is never seen in
 * part. This holds under sustained writes too: a publication needs one such reply, not a moment
 * with no read in flight.
 */
final class ReadLedger {
    /** Trigger of a resync's reads and listings: older than any event, so nothing is published before they are all in. */
    static final long RESYNC = Long.MIN_VALUE;

    /** The reads in flight for one trigger, and the newest reply before that trigger. */
    private static final class Trigger {
        int reads;
        final long replyBefore;

        Trigger(long replyBefore) {
            this.replyBefore = replyBefore;
        }
    }

    private record Barrier(long seq, CompletableFuture<Void> future) {
    }

    private final Map<String, Integer> reading = new HashMap<>();
    private final Map<String, Long> lastEvent = new HashMap<>(); // keys with a read in flight only
    private final TreeMap<Long, Trigger> triggers = new TreeMap<>();
    private final List<Barrier> barriers = new ArrayList<>();
    private long seq;
    private long lastReply;
    private long validFrom;

    /** Counts an event of {@code key}; returns its position. */
    long event(String key) {
        lastEvent.put(key, ++seq);
        return seq;
    }

    /** Whether a read of {@code key} is in flight (its reply will answer a new event too). */
    boolean reading(String key) {
        return reading.containsKey(key);
    }

    /** A read of {@code key} goes out, caused by the event at {@code trigger} (or {@link #RESYNC}). */
    void readSent(String key, long trigger) {
        reading.merge(key, 1, Integer::sum);
        triggers.computeIfAbsent(trigger, t -> new Trigger(lastReply)).reads++;
    }

    /** The reply to a read of {@code key} came in: it answers every event of the key so far. */
    void readReplied(String key, long trigger) {
        replied(trigger);
        Long answered = lastEvent.get(key);
        if (answered != null) {
            validFrom = Math.max(validFrom, answered + 1);
        }
        readDone(key);
    }

    /**
     * A read of {@code key} failed without an answer from the server (the connection went): it
     * answers nothing and takes no position. The cache is stale until its next resync.
     */
    void readFailed(String key, long trigger) {
        untrigger(trigger);
        readDone(key);
    }

    private void readDone(String key) {
        if (reading.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1) == null) {
            lastEvent.remove(key); // the next read of the key is sent for a later event
        }
    }

    /** One of a resync's listings goes out. */
    void listingSent() {
        triggers.computeIfAbsent(RESYNC, t -> new Trigger(lastReply)).reads++;
    }

    /** The reply to one of a resync's listings came in: children it leaves out are gone as of here. */
    void listingReplied() {
        replied(RESYNC);
        validFrom = Math.max(validFrom, seq);
    }

    /** One of a resync's listings failed: the cache is stale until the next resync. */
    void listingFailed() {
        untrigger(RESYNC);
    }

    private void replied(long trigger) {
        lastReply = ++seq;
        untrigger(trigger);
    }

    private void untrigger(long trigger) {
        Trigger t = triggers.get(trigger);
        if (t != null && --t.reads == 0) {
            triggers.remove(trigger);
        }
    }

    /** A barrier at the newest position; completed by whoever publishes past it. */
    CompletableFuture<Void> barrier() {
        Barrier b = new Barrier(++seq, new CompletableFuture<>());
        barriers.add(b);
        return b.future();
    }

    /**
     * {@code null} while the cache is not exactly a state of the server (see the class comment);
     * otherwise removes and returns the barriers that state covers.
     */
    List<CompletableFuture<Void>> takeCovered() {
        Map.Entry<Long, Trigger> first = triggers.firstEntry();
        long exactAt = first == null ? lastReply : first.getValue().replyBefore;
        if ((first != null && first.getKey() == RESYNC) || exactAt < validFrom) {
            return null;
        }
        long covered = first == null ? seq : first.getKey() - 1; // nothing changed before the first unanswered event
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
        lastEvent.clear();
        triggers.clear();
    }

    /** Fails every waiting barrier with {@code why}: the cache cannot promise to catch up soon. */
    void releaseBarriers(Throwable why) {
        barriers.forEach(b -> b.future().completeExceptionally(why));
        barriers.clear();
    }
}
