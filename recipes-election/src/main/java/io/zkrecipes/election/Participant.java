package io.zkrecipes.election;

import java.util.Arrays;
import java.util.Objects;

/**
 * A participant of an election as seen by a {@link LeaderObserver} or {@link LeaderElection#leader()}:
 * its id, the data it published beside the id, its node's name and the fencing token it has, or
 * would have, as leader (the czxid of its node).
 *
 * @param id           the participant's id
 * @param data         the data the participant published (empty if none); a copy is returned
 * @param node         the participant's node name under the election path
 * @param fencingToken the participant's fencing token as leader: the czxid of its node
 */
public record Participant(String id, byte[] data, String node, long fencingToken) {

    /** Copies {@code data}; all arguments must be non-null. */
    public Participant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(node, "node");
        data = Objects.requireNonNull(data, "data").clone();
    }

    /** A copy of the data the participant published. */
    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Participant p && p.id.equals(id) && Arrays.equals(p.data, data)
                && p.node.equals(node) && p.fencingToken == fencingToken;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, node, fencingToken) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Participant[" + id + ", node=" + node + ", fencingToken=" + fencingToken + ", data=" + data.length
                + " bytes]";
    }
}
