package io.zkrecipes.config;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One key's value as read from ZooKeeper, with the node's identity: its data {@link #version()}
 * (restarts at 0 when the key is deleted and created again), its {@link #czxid()} (the transaction
 * that created this incarnation of the key) and its {@link #mzxid()} (the transaction that last
 * wrote it; grows across delete-and-recreate, so order entries by it, never by version alone).
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigEntry {
    private final String key;
    private final byte[] bytes;
    private final String value;
    private final int version;
    private final long czxid;
    private final long mzxid;

    ConfigEntry(String key, byte[] bytes, int version, long czxid, long mzxid) {
        this.key = key;
        this.bytes = bytes == null ? new byte[0] : bytes;
        this.value = new String(this.bytes, StandardCharsets.UTF_8);
        this.version = version;
        this.czxid = czxid;
        this.mzxid = mzxid;
    }

    /** The key. */
    public String key() {
        return key;
    }

    /** The value decoded as UTF-8. */
    public String value() {
        return value;
    }

    /** A copy of the raw value. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The node's data version: the one {@link ConfigStore#compareAndSet} expects. */
    public int version() {
        return version;
    }

    /** The zxid of the transaction that created this incarnation of the key. */
    public long czxid() {
        return czxid;
    }

    /** The zxid of the transaction that last wrote the key. */
    public long mzxid() {
        return mzxid;
    }

    boolean sameWriteAs(ConfigEntry other) {
        return other != null && czxid == other.czxid && mzxid == other.mzxid;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigEntry e && key.equals(e.key) && version == e.version && czxid == e.czxid
                && mzxid == e.mzxid && Arrays.equals(bytes, e.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, czxid, mzxid);
    }

    @Override
    public String toString() {
        return key + "=" + value + " (version " + version + ", mzxid 0x" + Long.toHexString(mzxid) + ")";
    }
}
