package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Require;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;

/**
 * A participant in a leader election: the participant whose node has the lowest sequence under
 * the election path leads; each other one watches only the node just ahead of it, so a leader's
 * exit wakes one participant, which then leads without sending a request.
 *
 * <pre>{@code
 * try (LeaderElection election = LeaderElection.builder(client, "/elections/master", "node-1")
 *         .listener(listener).build()) {
 *     election.start();
 *     if (election.awaitLeadership(Duration.ofSeconds(30))) {
 *         long epoch = election.epoch().orElseThrow(); // fencing token for writes elsewhere
 *     }
 * }
 * }</pre>
 *
 * <p><b>Connection states.</b> On {@code SUSPENDED} a leader steps down at once (unless
 * {@link Builder#stepDownOnSuspended(boolean) disabled}) but keeps its node; on {@code RECONNECTED}
 * with the same session it reads its node once and, if it is still there, leads again in the same
 * epoch without a new node; if the node is gone (deleted, or with the election's parent) and on
 * {@code LOST}, it joins again with a new node at the back. Leadership is never reported for a node
 * the current session does not own.
 *
 * <p>Thread-safe. The participant runs on its own thread from {@link #start()} to {@link #close()}.
 */
public final class LeaderElection implements AutoCloseable {
    private final ZkClient client;
    private final String path;
    private final String id;
    private final ElectionContext ctx;
    private final CampaignSlot slot;

    private LeaderElection(Builder b) {
        this.client = b.client;
        this.path = b.path;
        this.id = b.id;
        this.ctx = new ElectionContext(this, b);
        this.slot = new CampaignSlot(b.path);
    }

    /**
     * A builder for a participant of the election at {@code path}, known to others as {@code id}
     * (stored as its node's data). Nothing is sent until {@link #start()}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path or is the root, or {@code id}
     *                                  is empty or contains a NUL character
     */
    public static Builder builder(ZkClient client, String path, String id) {
        return new Builder(client, path, id);
    }

    /**
     * Joins the election in the background: returns at once; the participant leads when its turn
     * comes (see {@link #awaitLeadership} and the listeners).
     *
     * @throws IllegalStateException if already started or closed
     */
    public void start() {
        slot.start(ctx);
    }

    /**
     * Whether this participant leads right now: its node is first, owned by the current session, and
     * (unless step-down is disabled) the client is connected. Never blocks; {@code false} before
     * start and after close.
     */
    public boolean hasLeadership() {
        return epoch().isPresent();
    }

    /**
     * The current leadership term if this participant leads right now, else empty. The term is the
     * czxid of the leader's node: strictly greater for every later leader, so a downstream system
     * can reject writes carrying an older one. One read gives both "leading" and "in which term".
     */
    public OptionalLong epoch() {
        return slot.epoch();
    }

    /**
     * Blocks until this participant leads or {@code timeout} passes.
     *
     * @return {@code true} if it leads, {@code false} at the timeout
     * @throws InterruptedException     if interrupted while waiting
     * @throws IllegalStateException    if not started, or closed before or while waiting
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws ZkRecipeException        if the server refused to let this participant join (for
     *                                  instance for lack of permission on the election's path): the
     *                                  participant has given up and will not join by itself
     */
    public boolean awaitLeadership(Duration timeout) throws InterruptedException {
        Require.nonNegative(timeout, "timeout");
        return slot.requireStarted().awaitLeadership(Require.deadlineAfter(timeout));
    }

    /**
     * Gives up leadership (or the current place in line) and joins again at the back. Interrupts the
     * leader's task and waits until the old node is deleted, but at most one second: a task that
     * ignores its interrupt keeps the node (and so the next participant from leading) until it
     * returns. The new node is created in the background. Called from the leader's task, it does
     * not wait. Listeners are told of the loss if it was leading.
     *
     * @throws IllegalStateException if not started or closed
     */
    public void resign() {
        slot.requireStarted().resign(true);
    }

    /**
     * Applies {@code ops} atomically only if this participant still leads on the server: the ops run
     * in one {@code multi} with a check that the leader's node still exists, so the write of a
     * deposed leader fails as a whole. Blocks for one round trip; not retried, since a connection
     * loss leaves its outcome unknown.
     *
     * @param ops the operations (may be empty, to just confirm leadership on the server)
     * @return the results of {@code ops}, in order
     * @throws NotLeaderException    if not leading when called, or deposed (nothing applied)
     * @throws ZkRecipeException     if one of {@code ops} failed (nothing applied) or the outcome is unknown
     * @throws InterruptedException  if interrupted while waiting for the reply
     * @throws IllegalStateException if not started or closed
     */
    public List<OpResult> writeAsLeader(List<Op> ops) throws InterruptedException {
        List<Op> all = LeaderWrite.withCheckSlot(ops);
        String node = slot.requireStarted().leaderNode();
        if (node == null) {
            throw new NotLeaderException(id + " is not the leader of the election at " + path);
        }
        return LeaderWrite.send(client, node, all, id, path);
    }

    /** This participant's id. */
    public String id() {
        return id;
    }

    /** The election's path. */
    public String path() {
        return path;
    }

    /**
     * Leaves the election: stops leading (listeners are told), interrupts the leader's task, and
     * deletes the node once the task has returned, so the next participant leads at once. Waits for
     * that at most one second (never when called from the leader's task): a task that ignores its
     * interrupt, or a connection that is down, finishes the leave in the background. Idempotent.
     */
    @Override
    public void close() {
        slot.close();
    }

    @Override
    public String toString() {
        return "LeaderElection[" + path + ", id=" + id + ", " + slot + "]";
    }

    /**
     * Settings of a {@link LeaderElection}; each setter checks its argument at once. Not thread-safe.
     */
    public static final class Builder {
        final ZkClient client;
        final String path;
        final String id;
        byte[] data = new byte[0];
        boolean stepDownOnSuspended = true;
        boolean autoRequeue;
        LeaderTask task;
        Executor listenerExecutor;
        final List<LeadershipListener> listeners = new ArrayList<>();

        private Builder(ZkClient client, String path, String id) {
            this.client = Objects.requireNonNull(client, "client");
            this.path = ZkPaths.validate(path, "path");
            if (path.equals("/")) {
                throw new IllegalArgumentException("path must not be the root: give the election its own node");
            }
            this.id = NodeContent.checkId(id);
        }

        /** Data published beside the id (e.g. the leader's address), read by {@link LeaderObserver}s. */
        public Builder data(byte[] data) {
            this.data = NodeContent.checkData(id, data, client.maxDataBytes()).clone();
            return this;
        }

        /** Adds a listener told of gained and lost leadership, in order, on the listener executor. */
        public Builder listener(LeadershipListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * The executor listeners run on (calls stay one at a time, in order). Default: a thread of the
         * election's own.
         */
        public Builder listenerExecutor(Executor executor) {
            this.listenerExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Whether a leader steps down when the connection is suspended (default {@code true}, safe).
         * With {@code false} it keeps leading while disconnected, until its session is known to have
         * expired: two participants may then both believe they lead for up to a session timeout.
         */
        public Builder stepDownOnSuspended(boolean stepDown) {
            this.stepDownOnSuspended = stepDown;
            return this;
        }

        /**
         * Runs {@code task} on a worker thread each time this participant gains leadership; it is
         * interrupted when leadership is lost, and leadership is given up when it returns.
         */
        public Builder runWhileLeading(LeaderTask task) {
            this.task = Objects.requireNonNull(task, "task");
            return this;
        }

        /**
         * With {@link #runWhileLeading}: whether the participant joins again after its task ended or
         * its leadership was lost (default {@code false}: it stays out until {@link #resign()} or close).
         */
        public Builder autoRequeue(boolean requeue) {
            this.autoRequeue = requeue;
            return this;
        }

        /**
         * @throws IllegalStateException if auto-requeue was asked without a task
         */
        public LeaderElection build() {
            if (autoRequeue && task == null) {
                throw new IllegalStateException("autoRequeue needs runWhileLeading(task)");
            }
            return new LeaderElection(this);
        }
    }
}
