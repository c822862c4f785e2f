package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.Require;
import java.util.Objects;

/**
 * Settings of a {@link DistributedQueue}, from {@link DistributedQueue#builder}; each setter checks
 * its argument at once. Not thread-safe.
 *
 * @param <T> the item type
 */
public final class DistributedQueueBuilder<T> {
    private final ZkClient client;
    private final String path;
    private final Serializer<T> serializer;
    private int bucketCapacity = DistributedQueue.DEFAULT_BUCKET_CAPACITY;
    private int maxAttempts = DistributedQueue.DEFAULT_MAX_ATTEMPTS;

    DistributedQueueBuilder(ZkClient client, String path, Serializer<T> serializer) {
        this.client = Objects.requireNonNull(client, "client");
        this.path = ZkPaths.validate(path, "path");
        if (path.equals("/")) {
            throw new IllegalArgumentException("path must not be the root '/'");
        }
        this.serializer = Objects.requireNonNull(serializer, "serializer");
    }

    /**
     * Items per bucket (default {@value DistributedQueue#DEFAULT_BUCKET_CAPACITY}). At most what keeps
     * a bucket's listing within half the client's packet limit, so that concurrent producers
     * overshooting a full bucket never make it unlistable. All instances of one queue should use
     * the same value.
     *
     * @throws IllegalArgumentException if below 1 or above that limit
     */
    public DistributedQueueBuilder<T> bucketCapacity(int capacity) {
        Require.atLeast(capacity, 1, "bucketCapacity");
        int max = client.maxDataBytes() / (2 * QueueLayout.LISTED_NAME_BYTES);
        if (capacity > max) {
            throw new IllegalArgumentException("bucketCapacity must be at most " + max
                    + " with this client's jute.maxbuffer, was " + capacity);
        }
        this.bucketCapacity = capacity;
        return this;
    }

    /**
     * Handler runs per item before {@link DistributedQueue#processNext} moves it to the dead letters
     * (default {@value DistributedQueue#DEFAULT_MAX_ATTEMPTS}).
     *
     * @throws IllegalArgumentException if below 1
     */
    public DistributedQueueBuilder<T> maxAttempts(int attempts) {
        this.maxAttempts = Require.atLeast(attempts, 1, "maxAttempts");
        return this;
    }

    /**
     * Creates the queue's nodes where missing and returns the queue. Blocks for one or two round trips.
     *
     * @throws IllegalStateException if the client is closed or not started
     * @throws io.zkrecipes.core.ZkRecipeException if ZooKeeper stayed unreachable or refused
     * @throws InterruptedException  if interrupted
     */
    public DistributedQueue<T> build() throws InterruptedException {
        DistributedQueue<T> queue = new DistributedQueue<>(client, path, serializer, bucketCapacity, maxAttempts);
        queue.open();
        return queue;
    }
}
