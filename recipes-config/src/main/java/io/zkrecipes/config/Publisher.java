package io.zkrecipes.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store's publishing thread: keeps the last published, consistent view of the configuration
 * and fans each publication out to the subscribers, in publication order. Nothing here runs on
 * ZooKeeper's event thread.
 */
final class Publisher {
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** A published state: the entries and their decoded values, both immutable. */
    record View(Map<String, ConfigEntry> entries, Map<String, String> values) {
        static final View EMPTY = new View(Map.of(), Map.of());
    }

    private final ExecutorService thread;
    private final ExecutorService delivery;
    private final Set<Subscriber> subscribers = new HashSet<>(); // touched on the publishing thread only
    private volatile View view = View.EMPTY;

    Publisher(String root) {
        int n = THREADS.incrementAndGet();
        this.thread = Executors.newSingleThreadExecutor(r -> daemon(r, "zk-config-publish-" + n + " " + root));
        this.delivery = Executors.newCachedThreadPool(r -> daemon(r, "zk-config-listener-" + n + " " + root));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The default executor for listeners (each subscriber still runs its listener serially). */
    ExecutorService delivery() {
        return delivery;
    }

    View view() {
        return view;
    }

    /** Forgets the published view, before a cache starts from nothing. */
    void reset() {
        run(() -> view = View.EMPTY);
    }

    /** Applies {@code changes}, tells every subscriber, then completes {@code barriers}. */
    void publish(List<ConfigChange> changes, List<CompletableFuture<Void>> barriers) {
        run(() -> {
            if (!changes.isEmpty()) {
                Map<String, ConfigEntry> entries = new HashMap<>(view.entries());
                for (ConfigChange c : changes) {
                    if (c.current() == null) {
                        entries.remove(c.key());
                    } else {
                        entries.put(c.key(), c.current());
                    }
                }
                Map<String, String> values = new HashMap<>(entries.size() * 2);
                entries.forEach((k, e) -> values.put(k, e.value()));
                View next = new View(Map.copyOf(entries), Map.copyOf(values));
                view = next;
                subscribers.forEach(s -> s.offer(changes, next.values()));
            }
            barriers.forEach(b -> b.complete(null));
        });
    }

    /** Adds {@code s} and hands it the current view as its initial update, in order with publications. */
    void add(Subscriber s) {
        run(() -> {
            View now = view;
            subscribers.add(s);
            List<ConfigChange> all = now.entries().values().stream()
                    .map(e -> new ConfigChange(e.key(), null, e)).toList();
            s.offer(all, now.values());
        });
    }

    /** Removes {@code s}, in order after its {@link #add}. */
    void remove(Subscriber s) {
        run(() -> subscribers.remove(s));
    }

    void shutdown() {
        thread.shutdown();
        delivery.shutdown();
    }

    private void run(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException closed) {
            // the store is closed: nobody listens any more
        }
    }
}
