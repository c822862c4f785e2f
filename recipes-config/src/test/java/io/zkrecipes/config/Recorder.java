package io.zkrecipes.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A listener that rebuilds the configuration from the changes it is handed and checks, on every
 * update, the subscriber's guarantees: each change starts from what was seen before, a key's mzxid
 * only grows, and the snapshot equals the view rebuilt from the changes.
 */
final class Recorder implements ConfigListener {
    private final Map<String, ConfigEntry> view = new HashMap<>();
    private final Map<String, List<String>> history = new HashMap<>();
    private final List<ConfigUpdate> updates = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();

    @Override
    public synchronized void onUpdate(ConfigUpdate update) {
        if (update.initial() != updates.isEmpty()) {
            violations.add("initial flag wrong on update " + updates.size());
        }
        updates.add(update);
        for (ConfigChange c : update.changes()) {
            ConfigEntry seen = view.get(c.key());
            if (!java.util.Objects.equals(seen, c.previous())) {
                violations.add(c.key() + ": change from " + c.previous() + " but last saw " + seen);
            }
            if (c.current() != null && seen != null && c.current().mzxid() <= seen.mzxid()) {
                violations.add(c.key() + ": went back from " + seen + " to " + c.current());
            }
            if (c.current() == null) {
                view.remove(c.key());
            } else {
                view.put(c.key(), c.current());
            }
            history.computeIfAbsent(c.key(), k -> new ArrayList<>()).add(c.newValue());
        }
        Map<String, String> rebuilt = new HashMap<>();
        view.forEach((k, e) -> rebuilt.put(k, e.value()));
        if (!rebuilt.equals(update.snapshot())) {
            violations.add("snapshot " + update.snapshot() + " differs from the changes' result " + rebuilt);
        }
        notifyAll();
    }

    synchronized Map<String, String> values() {
        Map<String, String> values = new HashMap<>();
        view.forEach((k, e) -> values.put(k, e.value()));
        return values;
    }

    synchronized ConfigEntry entry(String key) {
        return view.get(key);
    }

    synchronized List<String> history(String key) {
        return new ArrayList<>(history.getOrDefault(key, List.of()));
    }

    synchronized List<ConfigUpdate> updates() {
        return List.copyOf(updates);
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }
}
