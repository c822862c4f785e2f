package io.zkrecipes.config;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.util.Set;
import java.util.concurrent.Executor;
import org.apache.zookeeper.KeeperException;

/**
 * Runs the store's cache while the store has subscriptions: the first subscription starts it
 * (blocking until the root is read), the last one to close stops it. Thread-safe.
 */
final class CacheControl {
    private final ZkClient client;
    private final String root;
    private final Publisher publisher;
    private final KeyCache cache;
    private final Object subscriptions = new Object();
    private volatile boolean cached;
    private int subscribed; // guarded by subscriptions

    CacheControl(ZkClient client, String root) {
        this.client = client;
        this.root = root;
        this.publisher = new Publisher(root);
        this.cache = new KeyCache(client, root, publisher);
    }

    /** Whether reads are answered from the cache. */
    boolean cached() {
        return cached;
    }

    /** The keys the cache holds now (possibly ahead of the published view). */
    Set<String> keys() {
        return cache.keys();
    }

    /** The last published view. */
    Publisher.View view() {
        return publisher.view();
    }

    /** The store's own listener threads. */
    Executor delivery() {
        return publisher.delivery();
    }

    /** Adds a subscriber, starting the cache first if none runs; {@code requireOpen} runs under the lock. */
    ConfigSubscription subscribe(ConfigListener listener, Executor executor, Runnable requireOpen)
            throws InterruptedException {
        synchronized (subscriptions) {
            requireOpen.run();
            if (!cached) {
                startCache();
            }
            Subscriber s = new Subscriber(listener, executor, this::unsubscribed);
            subscribed++;
            publisher.add(s);
            return s;
        }
    }

    private void startCache() throws InterruptedException {
        publisher.reset();
        cache.start();
        try {
            client.retry(() -> AsyncOps.join(cache.load(false)));
            cached = true;
        } catch (KeeperException e) {
            cache.stop();
            throw new ZkRecipeException("subscribe to the configuration at " + root, e);
        } catch (InterruptedException | RuntimeException e) {
            cache.stop();
            throw e;
        }
    }

    private void unsubscribed(Subscriber s) {
        synchronized (subscriptions) {
            publisher.remove(s);
            if (subscribed > 0 && --subscribed == 0 && cached) {
                cached = false;
                stopCache();
            }
        }
    }

    /** Drops every subscription, stops the cache and the publishing threads. */
    void close() {
        synchronized (subscriptions) {
            subscribed = 0;
            if (cached) {
                cached = false;
                stopCache();
            }
        }
        publisher.shutdown();
    }

    /** Removes the watch and waits for the server's answer (bounded), so the watch count is exact. */
    private void stopCache() {
        try {
            Values.awaitQuietly(cache.stop(), client.sessionTimeout(), "remove the watch on " + root);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets this store's cache catch up with a write that returned, so reads see it. */
    void awaitOwnWrite() throws InterruptedException {
        if (cached) {
            Values.awaitQuietly(cache.barrier(), client.sessionTimeout(), "see the write under " + root);
        }
    }
}
