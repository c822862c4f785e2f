package io.zkrecipes.config;

import io.zkrecipes.core.internal.AsyncOps;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cache's entries and the changes to them not yet published. Values only move forward: data
 * is applied only if its mzxid is newer than the cached one. Not thread-safe: guarded by the
 * cache's lock.
 */
final class CachedEntries {
    private final Map<String, ConfigEntry> entries = new HashMap<>();
    private final Map<String, ConfigChange> unpublished = new LinkedHashMap<>();

    boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** A copy of the keys. */
    Set<String> keys() {
        return new HashSet<>(entries.keySet());
    }

    void applyData(String key, AsyncOps.NodeData data) {
        ConfigEntry old = entries.get(key);
        if (old != null && data.stat().getMzxid() <= old.mzxid()) {
            return; // not newer: a value never goes back
        }
        ConfigEntry now = new ConfigEntry(key, data.data(), data.stat().getVersion(), data.stat().getCzxid(),
                data.stat().getMzxid());
        entries.put(key, now);
        record(key, old, now);
    }

    void applyRemoved(String key) {
        ConfigEntry old = entries.remove(key);
        if (old != null) {
            record(key, old, null);
        }
    }

    /** Applies a listing of the root whose pzxid is {@code pzxid}. */
    void removeUnlisted(Set<String> listed, long pzxid) {
        for (ConfigEntry cached : List.copyOf(entries.values())) {
            // a key missing from a listing that is not older than its creation was deleted
            if (!listed.contains(cached.key()) && pzxid >= cached.czxid()) {
                applyRemoved(cached.key());
            }
        }
    }

    void removeAll() {
        List.copyOf(entries.keySet()).forEach(this::applyRemoved);
    }

    private void record(String key, ConfigEntry old, ConfigEntry now) {
        unpublished.merge(key, new ConfigChange(key, old, now), (first, last) ->
                first.previous() == null && last.current() == null ? null
                        : new ConfigChange(key, first.previous(), last.current()));
    }

    boolean hasChanges() {
        return !unpublished.isEmpty();
    }

    /** The changes since the last call, in the order their keys first changed. */
    List<ConfigChange> drainChanges() {
        List<ConfigChange> changes = List.copyOf(unpublished.values());
        unpublished.clear();
        return changes;
    }

    void clear() {
        entries.clear();
        unpublished.clear();
    }
}
