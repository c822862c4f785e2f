package io.zkrecipes.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A node listener that checks each call starts from the state it last saw and moves forward: a
 * greater mzxid, or after an absence a czxid past every zxid seen before.
 */
final class NodeRecorder implements NodeWatcher.Listener {
    private NodeState seen;
    private long lastZxid;
    private final List<NodeState> states = new ArrayList<>(); // null entries: absent
    private final List<String> violations = new ArrayList<>();

    @Override
    public synchronized void nodeChanged(NodeState previous, NodeState current) {
        if (!Objects.equals(seen, previous)) {
            violations.add("change from " + previous + " but last saw " + seen);
        }
        if (previous == null && current == null) {
            violations.add("a call with neither state");
        }
        if (current != null && (previous != null ? current.mzxid() <= previous.mzxid() : current.czxid() <= lastZxid)) {
            violations.add("went back from zxid 0x" + Long.toHexString(lastZxid) + " to " + current);
        }
        if (current != null) {
            lastZxid = current.mzxid();
        }
        seen = current;
        states.add(current);
        notifyAll();
    }

    synchronized NodeState seen() {
        return seen;
    }

    /** The mzxid of every present state seen, in order (absences left out). */
    synchronized List<Long> mzxids() {
        return states.stream().filter(Objects::nonNull).map(NodeState::mzxid).toList();
    }

    synchronized List<NodeState> states() {
        return new ArrayList<>(states);
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }
}
