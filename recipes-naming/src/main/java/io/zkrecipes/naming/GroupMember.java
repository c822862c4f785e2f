package io.zkrecipes.naming;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.Require;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This process's membership of a group: an ephemeral node {@code <groupPath>/<memberId>} holding
 * the member's data, kept in place until {@link #close()} (the seeds' cluster management: each
 * machine joins, the others see it come and go). {@link GroupView} lists and follows the members.
 *
 * <p>{@link #join()} returns at once; the node is created in the background, now or when the
 * ensemble becomes reachable. On {@code SUSPENDED} nothing is sent (the node lives as long as the
 * session); a reconnection with the same session sends nothing; after {@code LOST} the member
 * joins again by itself, once per new session, with its latest data. Leaving wins over a
 * concurrent re-join.
 *
 * <p>Thread-safe.
 */
public final class GroupMember implements AutoCloseable {
    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private final ZkClient client;
    private final String memberId;
    private final ScheduledExecutorService executor = Reconciler.newThread("group-member");
    private final OwnedNode node;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final ConnectionStateListener stateListener = this::stateChanged;

    /**
     * @param client    the client to use; it is not closed by {@link #close()}
     * @param groupPath the group's node, like {@code /groups/workers} (created as a container if missing)
     * @param memberId  1 to 200 characters of letters, digits, {@code . _ : -}
     * @param data      the member's data (copied)
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the path, id or data size breaks its rule
     * @throws IllegalStateException    if the client is closed
     */
    public GroupMember(ZkClient client, String groupPath, String memberId, byte[] data) {
        this.client = Names.checkClient(client);
        ZkPaths.validate(groupPath, "groupPath");
        this.memberId = Names.checkName(memberId, "memberId");
        byte[] copy = Names.checkData(client, data, "data").clone();
        this.node = new OwnedNode(client, ZkPaths.join(groupPath, memberId), copy, executor, this::deleted);
    }

    /**
     * Joins the group in the background; returns at once (see {@link #awaitJoined}).
     *
     * @throws IllegalStateException if already joined or closed
     */
    public void join() {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("member " + node.path() + " already joined"
                    + (lifecycle.get() == Lifecycle.CLOSED ? " and left" : ""));
        }
        client.addListener(stateListener);
        node.kick();
    }

    /** Whether the member's node exists with its latest data on the current session. Does not block. */
    public boolean isJoined() {
        return node.isSynced();
    }

    /**
     * Waits until {@link #isJoined()}, at most {@code timeout}.
     *
     * @return whether joined
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if {@link #join()} was not called, or after {@link #close()}
     * @throws InterruptedException     if interrupted while waiting
     * @throws io.zkrecipes.core.ZkRecipeException if the server refused the member's node (for instance for lack
     *                                  of permission on the group's path): it is not retried
     */
    public boolean awaitJoined(Duration timeout) throws InterruptedException {
        long deadline = Require.deadlineAfter(Require.nonNegative(timeout, "timeout"));
        requireJoined();
        return node.awaitSyncedOrRefused(deadline, "join the group at");
    }

    /**
     * Replaces the member's data; written in the background, and used by any later re-join.
     *
     * @throws NullPointerException     if {@code data} is null
     * @throws IllegalArgumentException if {@code data} is too large
     * @throws IllegalStateException    after {@link #close()}
     */
    public void setData(byte[] data) {
        byte[] copy = Names.checkData(client, data, "data").clone();
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("member " + node.path() + " has left");
        }
        node.update(copy);
    }

    /** The member's latest data (a copy). */
    public byte[] data() {
        return node.data().clone();
    }

    /** The member id. */
    public String memberId() {
        return memberId;
    }

    /** The member's node path. */
    public String path() {
        return node.path();
    }

    /**
     * Leaves the group: the node is never created again and is deleted. Waits for the delete for at
     * most the client's session timeout; if the ensemble is unreachable it is done on the next
     * connection, or the node goes with the session. Idempotent.
     */
    @Override
    public void close() {
        Lifecycle before = lifecycle.getAndSet(Lifecycle.CLOSED);
        if (before == Lifecycle.CLOSED) {
            return;
        }
        if (before == Lifecycle.LATENT) {
            executor.shutdown();
            return;
        }
        node.remove();
        try {
            node.awaitDeleted(Require.deadlineAfter(client.sessionTimeout()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void deleted() {
        client.removeListener(stateListener);
        executor.shutdown();
    }

    private void stateChanged(ZkClient c, ConnectionState state) {
        if (state == ConnectionState.CONNECTED || state == ConnectionState.RECONNECTED
                || state == ConnectionState.LOST) {
            node.kick();
        }
    }

    private void requireJoined() {
        Lifecycle now = lifecycle.get();
        if (now != Lifecycle.STARTED) {
            throw new IllegalStateException("member " + node.path() + (now == Lifecycle.CLOSED ? " has left"
                    : " has not joined"));
        }
    }
}
