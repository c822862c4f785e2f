package io.zkrecipes.core;

/**
 * The state of a {@link ZkClient}'s connection, as delivered to {@link ConnectionStateListener}s.
 *
 * <p>Each constant says what a recipe must do when it is entered.
 */
public enum ConnectionState {
    /** The first connection of this client is up. Recipes may start. */
    CONNECTED,
    /**
     * The connection is lost but the session may still be alive: ephemeral nodes may still exist,
     * watches are kept by the server. Locks and leaders must assume they no longer hold what they
     * hold (another session may get it if ours expires meanwhile); waiters keep waiting. If the
     * connection does not come back within the session timeout, {@link #LOST} follows.
     */
    SUSPENDED,
    /**
     * The connection is back, on the same session (after {@link #SUSPENDED}) or on a new one (after
     * {@link #LOST}). Recipes re-check what they own; on a new session they re-create it.
     */
    RECONNECTED,
    /**
     * The session is gone: it expired, the connection stayed lost for longer than the negotiated
     * session timeout (so the servers have expired it, or will, though none could say so yet), or
     * authentication failed. Every ephemeral node and watch of the old session is gone or going.
     * The client opens a new session by itself. Held locks and leadership are lost; recipes re-join,
     * re-register and resync.
     */
    LOST,
    /** The client was closed by its owner. Nothing more will be delivered. */
    CLOSED;

    /** Whether requests can be sent in this state. */
    public boolean isConnected() {
        return this == CONNECTED || this == RECONNECTED;
    }
}
