package io.zkrecipes.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A tree listener that rebuilds the subtree from the events it is handed and checks, on every
 * update, the watcher's guarantees: each event starts from what was seen before, a node's states
 * move forward (mzxid grows; a re-created node has a czxid past everything seen of it), the events
 * of an update come in zxid order, and the snapshot equals the view rebuilt from the events.
 */
final class TreeRecorder implements TreeWatcher.Listener {
    private final Map<String, NodeState> view = new HashMap<>();
    private final Map<String, Long> lastZxid = new HashMap<>();
    private final Map<String, List<Long>> mzxids = new HashMap<>();
    private final List<TreeUpdate> updates = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();

    @Override
    public synchronized void treeChanged(TreeUpdate update) {
        if (update.initial() != updates.isEmpty()) {
            violations.add("initial flag wrong on update " + updates.size());
        }
        updates.add(update);
        long previousZxid = Long.MIN_VALUE;
        for (TreeEvent e : update.events()) {
            if (e.zxid() < previousZxid) {
                violations.add("events out of zxid order: " + update.events());
            }
            previousZxid = e.zxid();
            check(e);
            if (e.current() == null) {
                view.remove(e.path());
            } else {
                view.put(e.path(), e.current());
                mzxids.computeIfAbsent(e.path(), p -> new ArrayList<>()).add(e.current().mzxid());
            }
        }
        if (!view.equals(update.snapshot())) {
            violations.add("snapshot " + update.snapshot().keySet() + " differs from the events' result " + view.keySet());
        }
        notifyAll();
    }

    private void check(TreeEvent e) {
        NodeState seen = view.get(e.path());
        if (!Objects.equals(seen, e.previous())) {
            violations.add(e.path() + ": change from " + e.previous() + " but last saw " + seen);
        }
        Long last = lastZxid.get(e.path());
        if (e.current() != null && last != null) {
            boolean forward = seen != null ? e.current().mzxid() > seen.mzxid() : e.current().czxid() > last;
            if (!forward) {
                violations.add(e.path() + ": went back from zxid 0x" + Long.toHexString(last) + " to " + e.current());
            }
        }
        lastZxid.put(e.path(), e.current() != null ? e.current().mzxid() : Math.max(e.zxid(), last == null ? 0 : last));
    }

    synchronized Map<String, NodeState> view() {
        return Map.copyOf(view);
    }

    /** The mzxid of every state this listener saw of {@code path}, in order. */
    synchronized List<Long> mzxids(String path) {
        return List.copyOf(mzxids.getOrDefault(path, List.of()));
    }

    synchronized List<TreeUpdate> updates() {
        return List.copyOf(updates);
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }
}
