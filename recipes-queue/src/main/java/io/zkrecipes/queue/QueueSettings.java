package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.Require;
import java.util.Objects;

/**
 * The settings every queue has, shared by the queues' builders; each setter checks its argument
 * at once. Not thread-safe.
 *
 * @param <B> the builder
 * @param <T> the item type
 */
abstract class QueueSettings<B extends QueueSettings<B, T>, T> {
    final ZkClient client;
    final String path;
    final Serializer<T> serializer;
    int bucketCapacity = DistributedQueue.DEFAULT_BUCKET_CAPACITY;
    int maxAttempts = DistributedQueue.DEFAULT_MAX_ATTEMPTS;
    int maxPutsInFlight = DistributedQueue.DEFAULT_MAX_PUTS_IN_FLIGHT;

    QueueSettings(ZkClient client, String path, Serializer<T> serializer) {
        this.client = Objects.requireNonNull(client, "client");
        ZkPaths.validate(path, "path");
        if (path.equals("/")) {
            throw new IllegalArgumentException("path must not be the root '/'");
        }
        this.path = path;
        this.serializer = Objects.requireNonNull(serializer, "serializer");
    }

    /**
     * Items per bucket (default {@value DistributedQueue#DEFAULT_BUCKET_CAPACITY}); a queue of lanes
     * has buckets in each lane. At most what keeps a bucket's listing within half the client's
     * packet limit, so that concurrent producers overshooting a full bucket never make it
     * unlistable. All instances of one queue should use the same value.
     *
     * @throws IllegalArgumentException if below 1 or above that limit
     */
    public B bucketCapacity(int capacity) {
        Require.atLeast(capacity, 1, "bucketCapacity");
        int max = client.maxDataBytes() / (2 * QueueLayout.LISTED_NAME_BYTES);
        if (capacity > max) {
            throw new IllegalArgumentException("bucketCapacity must be at most " + max
                    + " with this client's jute.maxbuffer, was " + capacity);
        }
        this.bucketCapacity = capacity;
        return self();
    }

    /**
     * Handler runs per item before {@code processNext} moves it to the dead letters (default
     * {@value DistributedQueue#DEFAULT_MAX_ATTEMPTS}).
     *
     * @throws IllegalArgumentException if below 1
     */
    public B maxAttempts(int attempts) {
        this.maxAttempts = Require.atLeast(attempts, 1, "maxAttempts");
        return self();
    }

    /**
     * Puts of the instance on the wire at once (default {@value DistributedQueue#DEFAULT_MAX_PUTS_IN_FLIGHT};
     * per lane in a queue of lanes): {@code putAsync} sends up to this many before the first is
     * applied; further puts wait, unsent, in call order. 1 sends one put at a time.
     *
     * @throws IllegalArgumentException if below 1 or above {@value DistributedQueue#MAX_PUTS_IN_FLIGHT}
     */
    public B maxPutsInFlight(int puts) {
        Require.atLeast(puts, 1, "maxPutsInFlight");
        if (puts > DistributedQueue.MAX_PUTS_IN_FLIGHT) {
            throw new IllegalArgumentException("maxPutsInFlight must be at most " + DistributedQueue.MAX_PUTS_IN_FLIGHT
                    + ", was " + puts);
        }
        this.maxPutsInFlight = puts;
        return self();
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
