package io.zkrecipes.naming;

import java.util.ArrayList;
import java.util.List;

/** A discovery listener that records events as text: {@code +id{k=v}}, {@code -id}, {@code ~id{k=v}}. */
final class Recording implements ServiceDiscovery.Listener {
    private final List<String> events = new ArrayList<>();

    @Override
    public synchronized void instanceAdded(ServiceInstance instance) {
        events.add("+" + instance.id() + instance.metadata());
    }

    @Override
    public synchronized void instanceRemoved(ServiceInstance instance) {
        events.add("-" + instance.id());
    }

    @Override
    public synchronized void instanceUpdated(ServiceInstance before, ServiceInstance after) {
        events.add("~" + after.id() + after.metadata());
    }

    synchronized List<String> events() {
        return List.copyOf(events);
    }

    /** Whether {@code expected} appear in this order, other events possibly in between. */
    synchronized boolean containsInOrder(String... expected) {
        int matched = 0;
        for (String e : events) {
            if (matched < expected.length && e.equals(expected[matched])) {
                matched++;
            }
        }
        return matched == expected.length;
    }
}
