package io.zkrecipes.state;

import java.util.Objects;

/**
 * A change of one node: {@code previous} is what the listener saw before ({@code null} if the node
 * was absent), {@code current} what it is now ({@code null} if it was removed). Changes a listener
 * had no time to see one by one are merged: the first previous and the last current state.
 *
 * @param path     the node's path
 * @param previous the state before, or {@code null} when the node was added
 * @param current  the state after, or {@code null} when the node was removed
 * @param zxid     the transaction of the change: {@code current.mzxid()} for an added or changed
 *                 node; for a removed node the zxid of its delete when the notification carried
 *                 it, else of a later transaction that showed it gone
 */
public record TreeEvent(String path, NodeState previous, NodeState current, long zxid) {
    /** What happened to the node. */
    public enum Type {
        /** The node appeared (or, in a listener's first update, was there). */
        ADDED,
        /** The node's data changed, or it was deleted and created again. */
        CHANGED,
        /** The node was removed. */
        REMOVED
    }

    /**
     * @throws NullPointerException     if {@code path} is null
     * @throws IllegalArgumentException if both states are null
     */
    public TreeEvent {
        Objects.requireNonNull(path, "path");
        if (previous == null && current == null) {
            throw new IllegalArgumentException("an event needs a previous or a current state");
        }
    }

    /** ADDED, CHANGED (also after a delete and re-create) or REMOVED. */
    public Type type() {
        return previous == null ? Type.ADDED : current == null ? Type.REMOVED : Type.CHANGED;
    }
}
