package io.zkrecipes.state;

import java.util.List;
import java.util.Map;

/**
 * What a {@link TreeWatcher.Listener} is handed: the changes since its previous update and the
 * whole subtree after them.
 *
 * <p>{@code snapshot} is always a state the subtree really had in ZooKeeper: the changes of one
 * transaction (a {@code multi}) arrive in the same update, never split across two. The first
 * update of a listener has {@code initial} set and lists every node present as
 * {@link TreeEvent.Type#ADDED}.
 *
 * @param initial  whether this is the listener's first update
 * @param events   the changed nodes, each once, in the order of their zxids (immutable)
 * @param snapshot every node of the subtree by path, after the changes (immutable)
 */
public record TreeUpdate(boolean initial, List<TreeEvent> events, Map<String, NodeState> snapshot) {
    /** Copies both collections, so an update never changes once made. */
    public TreeUpdate {
        events = List.copyOf(events);
        snapshot = Map.copyOf(snapshot);
    }
}
