package io.zkrecipes.state;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * A {@link TreeWatcher}'s nodes by path, and the changes to them not yet published. States only
 * move forward: a read is applied only if its mzxid is newer than the cached one, never by
 * version. Not thread-safe: guarded by the watcher's lock.
 */
final class TreeEntries {
    /** Sorted by path, so that a node's descendants are one range: {@code [p + "/", p + "0")}. */
    private final TreeMap<String, NodeState> nodes = new TreeMap<>();
    private final Map<String, TreeEvent> unpublished = new LinkedHashMap<>();

    int size() {
        return nodes.size();
    }

    /** How many direct children of {@code parent} are cached. */
    int childCount(String parent) {
        int n = 0;
        for (String path : descendants(parent).keySet()) {
            if (isChild(path, parent)) {
                n++;
            }
        }
        return n;
    }

    /** Applies a read of a node; returns whether it was not cached before. */
    boolean apply(NodeState now) {
        NodeState old = nodes.get(now.path());
        if (old != null && now.mzxid() <= old.mzxid()) {
            return false; // not newer: a state never goes back
        }
        nodes.put(now.path(), now);
        record(now.path(), old, now, now.mzxid());
        return old == null;
    }

    /** The node and everything cached below it are gone, as of transaction {@code zxid}. */
    void removeSubtree(String path, long zxid) {
        for (String gone : List.copyOf(descendants(path).keySet())) {
            remove(gone, zxid);
        }
        remove(path, zxid);
    }

    /**
     * Applies a listing of {@code parent} (the names of its children) taken at or after its
     * {@code pzxid}: a cached child missing from it, and not created after it, was deleted.
     */
    void removeUnlisted(String parent, Set<String> listedNames, long pzxid) {
        for (Map.Entry<String, NodeState> e : List.copyOf(descendants(parent).entrySet())) {
            String path = e.getKey();
            if (isChild(path, parent) && !listedNames.contains(name(path)) && e.getValue().czxid() <= pzxid
                    && nodes.containsKey(path)) {
                removeSubtree(path, pzxid);
            }
        }
    }

    private void remove(String path, long zxid) {
        NodeState old = nodes.remove(path);
        if (old != null) {
            record(path, old, null, Math.max(zxid, old.mzxid()));
        }
    }

    private void record(String path, NodeState old, NodeState now, long zxid) {
        unpublished.merge(path, new TreeEvent(path, old, now, zxid), (first, last) ->
                first.previous() == null && last.current() == null ? null
                        : new TreeEvent(path, first.previous(), last.current(), last.zxid()));
    }

    boolean hasChanges() {
        return !unpublished.isEmpty();
    }

    /** The changes since the last call, in zxid order. */
    List<TreeEvent> drainChanges() {
        List<TreeEvent> changes = new ArrayList<>(unpublished.values());
        unpublished.clear();
        changes.sort(Comparator.comparingLong(TreeEvent::zxid));
        return changes;
    }

    void clear() {
        nodes.clear();
        unpublished.clear();
    }

    private NavigableMap<String, NodeState> descendants(String path) {
        return path.equals("/") ? nodes.tailMap("/", false) : nodes.subMap(path + "/", true, path + "0", false);
    }

    static boolean isChild(String path, String parent) {
        int slash = path.lastIndexOf('/');
        return parent.equals("/") ? slash == 0 && path.length() > 1 : slash == parent.length() && path.startsWith(parent);
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
