package io.zkrecipes.state;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener of a {@link TreeWatcher}: merges the changes it has not taken yet (per path: first
 * previous, last current) and runs it one update at a time on its executor. {@link #start} and
 * {@link #offer} are called on the watcher's publishing lane, in publication order.
 */
final class Subscriber {
    private static final Logger log = LoggerFactory.getLogger(Subscriber.class);

    final TreeWatcher.Listener listener;
    /** Whether the executor is the library's own (see {@code Session.isLibraryExecutor}): offering never runs user code then. */
    final boolean onLibraryLane;
    private final Executor executor;
    private final Map<String, TreeEvent> pending = new LinkedHashMap<>();
    private boolean started; // touched on the publishing lane only
    private Map<String, NodeState> snapshot;
    private boolean initial = true;
    private boolean scheduled;
    private boolean closed;

    Subscriber(TreeWatcher.Listener listener, Executor executor, boolean onLibraryLane) {
        this.listener = listener;
        this.onLibraryLane = onLibraryLane;
        this.executor = executor;
    }

    /** Hands the listener {@code now} as its initial update, unless it has started already. */
    void start(Map<String, NodeState> now) {
        if (started) {
            return;
        }
        started = true;
        offer(now.values().stream().map(s -> new TreeEvent(s.path(), null, s, s.mzxid())).toList(), now);
    }

    /** Queues the changes and the snapshot after them; a listener not started yet starts at {@code after}. */
    void offer(List<TreeEvent> changes, Map<String, NodeState> after) {
        if (!started) {
            start(after);
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            for (TreeEvent c : changes) {
                // added then removed since the listener last looked: nothing to tell (null drops the path)
                pending.merge(c.path(), c, (first, last) -> first.previous() == null && last.current() == null
                        ? null : new TreeEvent(c.path(), first.previous(), last.current(), last.zxid()));
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
            log.warn("Tree listener {} not run: its executor refused the task", listener, e);
            synchronized (this) {
                scheduled = false;
            }
        }
    }

    private void drain() {
        while (true) {
            TreeUpdate update;
            synchronized (this) {
                if (closed || snapshot == null) {
                    scheduled = false;
                    return;
                }
                List<TreeEvent> net = netChanges();
                update = initial || !net.isEmpty() ? new TreeUpdate(initial, net, snapshot) : null;
                pending.clear();
                snapshot = null;
                initial = false;
            }
            if (update == null) {
                continue;
            }
            try {
                listener.treeChanged(update);
            } catch (RuntimeException e) {
                log.warn("Tree listener {} failed", listener, e);
            }
        }
    }

    /** Drops nodes that came back to the very write the listener last saw; orders the rest by zxid. */
    private List<TreeEvent> netChanges() {
        List<TreeEvent> net = new ArrayList<>(pending.size());
        for (TreeEvent c : pending.values()) {
            if (c.previous() == null || !c.previous().sameWriteAs(c.current())) {
                net.add(c);
            }
        }
        net.sort(Comparator.comparingLong(TreeEvent::zxid));
        return net;
    }

    /** Stops updates: none starts after this returns (one under way may finish). */
    synchronized void close() {
        closed = true;
        pending.clear();
        snapshot = null;
    }
}
