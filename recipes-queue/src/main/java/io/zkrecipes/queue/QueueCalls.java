package io.zkrecipes.queue;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.zookeeper.KeeperException;

/** What the queues' public calls share: checking an item, waiting for a put, and the timed calls' deadlines. */
final class QueueCalls {
    /** How long a timed call waits for replies at least, so that a zero timeout still takes an available item. */
    private static final Duration REPLY_GRACE = Duration.ofMillis(500);

    /** Room a create op takes in a multi beside its data: path, ACL and headers. */
    private static final int OP_OVERHEAD_BYTES = 256;

    private QueueCalls() {
    }

    /**
     * {@code item} serialized, after {@code header} bytes left for the caller.
     *
     * @throws NullPointerException     if {@code item} is null, or the serializer returned null
     * @throws IllegalArgumentException if the result is over the client's data limit
     */
    static <T> byte[] serialize(Session session, Serializer<T> serializer, T item, int header) {
        Objects.requireNonNull(item, "item");
        byte[] data = Objects.requireNonNull(serializer.serialize(item), "serializer returned null");
        if (data.length + header > session.maxDataBytes()) {
            throw new IllegalArgumentException("item is " + data.length + " bytes serialized, over the limit of "
                    + (session.maxDataBytes() - header) + " bytes (jute.maxbuffer less room for the request)");
        }
        if (header == 0) {
            return data;
        }
        byte[] framed = new byte[header + data.length];
        System.arraycopy(data, 0, framed, header, data.length);
        return framed;
    }

    /**
     * Checks that serialized items fit in one multi.
     *
     * @throws IllegalArgumentException if they are over the client's request limit together
     */
    static void checkBatch(Session session, List<byte[]> data) {
        long total = requestBytes(data);
        if (data.size() > 1 && total > session.maxDataBytes()) {
            throw new IllegalArgumentException("items take about " + total + " bytes in one request, over the"
                    + " client's limit of " + session.maxDataBytes() + " bytes: put them in smaller batches");
        }
    }

    /** About how many bytes creating {@code data} takes in one multi request. */
    static long requestBytes(List<byte[]> data) {
        long total = 0;
        for (byte[] bytes : data) {
            total += bytes.length + OP_OVERHEAD_BYTES;
        }
        return total;
    }

    /** Waits for a put, with the failures of the synchronous calls. */
    static void await(CompletableFuture<Void> put) throws InterruptedException {
        try {
            put.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("put failed", cause);
        }
    }

    /** A timed call's requests get at least {@link #REPLY_GRACE}. */
    static Deadline replyDeadline(Duration timeout) {
        return Deadline.after(timeout.compareTo(REPLY_GRACE) < 0 ? REPLY_GRACE : timeout);
    }

    /** A timed call whose requests failed at its deadline returns empty; any other failure is thrown. */
    static <R> Optional<R> timedOut(KeeperException e, Deadline replies, String what) {
        if (replies.passed()) {
            return Optional.empty();
        }
        throw new ZkRecipeException(what, e);
    }
}
