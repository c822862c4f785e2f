package io.zkrecipes.config;

import io.zkrecipes.state.NodeState;
import io.zkrecipes.state.TreeEvent;
import io.zkrecipes.state.TreeUpdate;
import io.zkrecipes.state.TreeWatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One subscription: a listener of the store's {@link TreeWatcher} that hands its user the changes
 * of the keys (the root's children) as {@link ConfigUpdate}s. The watcher merges what a slow
 * listener has not taken yet and runs it one update at a time.
 */
final class Subscriber implements ConfigSubscription, TreeWatcher.Listener {
    private final ConfigStore store;
    private final ConfigListener listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    Subscriber(ConfigStore store, ConfigListener listener) {
        this.store = store;
        this.listener = listener;
    }

    @Override
    public void treeChanged(TreeUpdate update) {
        List<ConfigChange> changes = new ArrayList<>(update.events().size());
        for (TreeEvent e : update.events()) {
            String key = store.keyOf(e.path());
            if (key != null) {
                changes.add(new ConfigChange(key, entry(key, e.previous()), entry(key, e.current())));
            }
        }
        if (update.initial() || !changes.isEmpty()) { // a change of the root node alone is not configuration
            listener.onUpdate(new ConfigUpdate(update.initial(), changes, store.viewOf(update.snapshot()).values()));
        }
    }

    private static ConfigEntry entry(String key, NodeState s) {
        return s == null ? null : new ConfigEntry(key, s.data(), s.version(), s.czxid(), s.mzxid());
    }

    /** Marks it closed without telling the store (which is closing); returns whether it was open. */
    boolean markClosed() {
        return closed.compareAndSet(false, true);
    }

    @Override
    public void close() {
        if (markClosed()) {
            store.unsubscribed(this);
        }
    }

    @Override
    public String toString() {
        return "subscription of " + listener + " to " + store.root();
    }
}
