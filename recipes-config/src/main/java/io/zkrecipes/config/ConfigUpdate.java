package io.zkrecipes.config;

import java.util.List;
import java.util.Map;

/**
 * What a {@link ConfigListener} is handed: the changes since its previous update and the whole
 * configuration after them.
 *
 * <p>{@code snapshot} is always a state the configuration really had in ZooKeeper: all the
 * changes of one transaction (for instance one {@link ConfigStore#putAll}) arrive in the same
 * update, never split across two. The first update of a subscription has {@code initial} set
 * and lists every key present as {@link ConfigChange.Type#CREATED}.
 *
 * @param initial  whether this is the first update of the subscription
 * @param changes  the changed keys, each once, in no particular order (immutable)
 * @param snapshot every key and its value after the changes (immutable)
 */
public record ConfigUpdate(boolean initial, List<ConfigChange> changes, Map<String, String> snapshot) {
    /** Copies both collections, so an update never changes once made. */
    public ConfigUpdate {
        changes = List.copyOf(changes);
        snapshot = Map.copyOf(snapshot);
    }
}
