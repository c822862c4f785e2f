package io.zkrecipes.config;

import java.util.Objects;

/**
 * A change of one key: {@code previous} is what the subscriber saw before ({@code null} if the key
 * was absent), {@code current} what it is now ({@code null} if the key was removed). Coalesced
 * changes keep the first previous and the last current entry.
 *
 * @param key      the key
 * @param previous the entry before the change, or {@code null} when the key was created
 * @param current  the entry after the change, or {@code null} when the key was removed
 */
public record ConfigChange(String key, ConfigEntry previous, ConfigEntry current) {
    /** What happened to the key. */
    public enum Type {
        /** The key appeared (or, in a subscription's first update, was there). */
        CREATED,
        /** The key's value changed, or it was deleted and created again. */
        UPDATED,
        /** The key was removed. */
        REMOVED
    }

    /**
     * @throws NullPointerException     if {@code key} is null
     * @throws IllegalArgumentException if both entries are null
     */
    public ConfigChange {
        Objects.requireNonNull(key, "key");
        if (previous == null && current == null) {
            throw new IllegalArgumentException("a change needs a previous or a current entry");
        }
    }

    /** CREATED, UPDATED (also when the key was deleted and created again) or REMOVED. */
    public Type type() {
        return previous == null ? Type.CREATED : current == null ? Type.REMOVED : Type.UPDATED;
    }

    /** The value before, or {@code null} if the key was absent. */
    public String oldValue() {
        return previous == null ? null : previous.value();
    }

    /** The value after, or {@code null} if the key was removed. */
    public String newValue() {
        return current == null ? null : current.value();
    }

    /** The data version after the change, or -1 when the key was removed. */
    public int version() {
        return current == null ? -1 : current.version();
    }

    /** The zxid that wrote the new value, or 0 when the key was removed. Grows for one key. */
    public long mzxid() {
        return current == null ? 0 : current.mzxid();
    }
}
