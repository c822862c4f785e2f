package io.zkrecipes.state;

import io.zkrecipes.core.internal.AsyncOps;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.zookeeper.data.Stat;

/**
 * One node as a watcher read it: its path, a copy of its data, and the parts of its {@link Stat}
 * that tell one write from another.
 *
 * <p>{@code version} restarts at 0 when the node is deleted and created again, so never order two
 * states by it: {@code mzxid} (the transaction that last wrote the node) grows across a delete and
 * re-create, and {@code czxid} (the transaction that created this incarnation) tells incarnations
 * apart. Immutable: {@link #data()} hands out a copy.
 *
 * @param path           the node's path (within the client's namespace)
 * @param data           the node's data (copied in and out)
 * @param version        the data version, as {@code setData} expects it
 * @param czxid          the zxid of the transaction that created this incarnation of the node
 * @param mzxid          the zxid of the transaction that last wrote the node
 * @param ephemeralOwner the session that owns the node if it is ephemeral, else 0
 */
public record NodeState(String path, byte[] data, int version, long czxid, long mzxid, long ephemeralOwner) {
    /**
     * @throws NullPointerException if {@code path} or {@code data} is null
     */
    public NodeState {
        Objects.requireNonNull(path, "path");
        data = Objects.requireNonNull(data, "data").clone();
    }

    /** A state from a read's reply. */
    static NodeState of(String path, AsyncOps.NodeData read) {
        Stat s = read.stat();
        byte[] data = read.data() == null ? new byte[0] : read.data();
        return new NodeState(path, data, s.getVersion(), s.getCzxid(), s.getMzxid(), s.getEphemeralOwner());
    }

    /** A copy of the node's data. */
    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The data decoded as UTF-8. */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    /** Whether the node is ephemeral. */
    public boolean isEphemeral() {
        return ephemeralOwner != 0;
    }

    /** Whether both are the same write of the same incarnation. */
    boolean sameWriteAs(NodeState other) {
        return other != null && czxid == other.czxid && mzxid == other.mzxid;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeState s && path.equals(s.path) && version == s.version && czxid == s.czxid
                && mzxid == s.mzxid && ephemeralOwner == s.ephemeralOwner && Arrays.equals(data, s.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, czxid, mzxid);
    }

    @Override
    public String toString() {
        return path + " (" + data.length + " bytes, version " + version + ", czxid 0x" + Long.toHexString(czxid)
                + ", mzxid 0x" + Long.toHexString(mzxid) + (isEphemeral() ? ", ephemeral" : "") + ")";
    }
}
