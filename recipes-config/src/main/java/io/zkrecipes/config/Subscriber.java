package io.zkrecipes.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription: merges the updates its listener has not taken yet (per key: first previous,
 * last current) and runs the listener one update at a time on its executor. {@link #start} and
 * {@link #offer} are called on the cache's publishing lane, in publication order.
 */
final class Subscriber implements ConfigSubscription {
    private static final Logger log = LoggerFactory.getLogger(Subscriber.class);

    private final ConfigListener listener;
    private final Executor executor;
    private final Consumer<Subscriber> onClose;
    private final Map<String, ConfigChange> pending = new LinkedHashMap<>();
    private boolean started; // touched on the publishing lane only
    private Map<String, String> snapshot;
    private boolean initial = true;
    private boolean scheduled;
    private boolean closed;

    Subscriber(ConfigListener listener, Executor executor, Consumer<Subscriber> onClose) {
        this.listener = listener;
        this.executor = executor;
        this.onClose = onClose;
    }

    /** Hands the listener {@code now} as its initial update; later offers are the changes after it. */
    void start(KeyCache.View now) {
        started = true;
        offer(now.entries().values().stream().map(e -> new ConfigChange(e.key(), null, e)).toList(), now.values());
    }

    /** Queues the changes and the snapshot after them. */
    void offer(List<ConfigChange> changes, Map<String, String> after) {
        if (!started) {
            return; // its initial view, still to come on the lane, holds these changes
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            for (ConfigChange c : changes) {
                // created then removed since the listener last looked: nothing to tell (null drops the key)
                pending.merge(c.key(), c, (first, last) -> first.previous() == null && last.current() == null
                        ? null : new ConfigChange(c.key(), first.previous(), last.current()));
            }
            snapshot = after;
            if (scheduled) {
                return;
            }
            scheduled = true;
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            log.warn("Config listener {} not run: its executor refused the task", listener, e);
            synchronized (this) {
                scheduled = false;
            }
        }
    }

    private void drain() {
        while (true) {
            ConfigUpdate update;
            synchronized (this) {
                if (closed || snapshot == null) {
                    scheduled = false;
                    return;
                }
                List<ConfigChange> net = netChanges();
                update = initial || !net.isEmpty() ? new ConfigUpdate(initial, net, snapshot) : null;
                pending.clear();
                snapshot = null;
                initial = false;
            }
            if (update == null) {
                continue;
            }
            try {
                listener.onUpdate(update);
            } catch (RuntimeException e) {
                log.warn("Config listener {} failed", listener, e);
            }
        }
    }

    /** Drops keys that came back to the very write the listener last saw. */
    private List<ConfigChange> netChanges() {
        List<ConfigChange> net = new ArrayList<>(pending.size());
        for (ConfigChange c : pending.values()) {
            if (c.previous() == null || !c.previous().sameWriteAs(c.current())) {
                net.add(c);
            }
        }
        return net;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pending.clear();
            snapshot = null;
        }
        onClose.accept(this);
    }
}
