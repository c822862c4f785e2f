package io.zkrecipes.barrier;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Require;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher;

/**
 * A barrier held by one node: while the node exists the barrier is up and {@link #await} blocks;
 * removing it releases every waiter. Any client may {@link #set()} or {@link #remove()} it.
 *
 * <pre>{@code
 * DistributedBarrier gate = new DistributedBarrier(client, "/deploy/gate");
 * gate.set();                                  // coordinator
 * gate.await(Duration.ofMinutes(5));           // workers, on their own clients
 * gate.remove();                               // coordinator: everyone goes
 * }</pre>
 *
 * <p>The node is PERSISTENT (a crashed coordinator does not release the waiters); missing parents
 * are created as CONTAINER nodes. A waiter keeps one {@code getData} watch on the node.
 *
 * <p><b>Connection states.</b> {@code SUSPENDED}: waiters keep waiting (their deadline still
 * applies). {@code RECONNECTED} or {@code LOST} (watches gone with the session): waiters read the
 * node again and re-watch it, so a removal during the outage is not missed.
 *
 * <p>Thread-safe: any number of threads may wait at once.
 */
public final class DistributedBarrier implements AutoCloseable {
    private static final byte[] EMPTY = new byte[0];

    private final ZkClient client;
    private final String path;
    private final Wakeup wakeup = new Wakeup();

    /**
     * The barrier at {@code path}. Sends nothing.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path or is the root
     * @throws IllegalStateException    if the client is closed
     */
    public DistributedBarrier(ZkClient client, String path) {
        this.client = Objects.requireNonNull(client, "client");
        this.path = ZkPaths.validate(path, "path");
        if (path.equals("/")) {
            throw new IllegalArgumentException("path must not be the root '/'");
        }
        if (client.isClosed()) {
            throw new IllegalStateException("client is closed");
        }
        client.addListener(wakeup);
    }

    /**
     * Puts the barrier up: creates its node if missing. Idempotent. Blocks for one round trip,
     * retried under the client's retry policy.
     *
     * @throws ZkRecipeException     if ZooKeeper stays unreachable past the retry deadline or refuses
     * @throws IllegalStateException if closed
     * @throws InterruptedException  if interrupted (the node may have been created)
     */
    public void set() throws InterruptedException {
        requireOpen();
        try {
            client.retry(() -> AsyncOps.join(Session.of(client).ops().createWithParents(path, EMPTY, CreateMode.PERSISTENT)));
        } catch (KeeperException e) {
            if (e.code() != Code.NODEEXISTS) {
                throw new ZkRecipeException("set barrier", e);
            }
        }
    }

    /**
     * Takes the barrier down, releasing every waiter. Idempotent.
     *
     * @throws ZkRecipeException     if ZooKeeper stays unreachable past the retry deadline or refuses
     * @throws IllegalStateException if closed
     * @throws InterruptedException  if interrupted (the node may have been deleted)
     */
    public void remove() throws InterruptedException {
        requireOpen();
        try {
            client.retry(() -> AsyncOps.join(Session.of(client).ops().delete(path, -1)));
        } catch (KeeperException e) {
            if (e.code() != Code.NONODE) {
                throw new ZkRecipeException("remove barrier", e);
            }
        }
    }

    /**
     * Whether the barrier is up now.
     *
     * @throws ZkRecipeException     if ZooKeeper stays unreachable past the retry deadline or refuses
     * @throws IllegalStateException if closed
     */
    public boolean isSet() throws InterruptedException {
        requireOpen();
        try {
            return client.retry(() -> AsyncOps.join(Session.of(client).ops().exists(path, null))) != null;
        } catch (KeeperException e) {
            throw new ZkRecipeException("read barrier", e);
        }
    }

    /**
     * Blocks until the barrier is down (its node absent), however long that takes, through
     * connection losses and session expiries.
     *
     * @throws ZkRecipeException     if ZooKeeper refuses the read (e.g. no permission)
     * @throws IllegalStateException if closed, also while waiting
     * @throws InterruptedException  if interrupted
     */
    public void await() throws InterruptedException {
        awaitUntil(Require.deadlineAfter(Duration.ofDays(3650)));
    }

    /**
     * Blocks until the barrier is down or {@code timeout} has passed. A zero timeout checks once
     * (waiting for that reply up to a second).
     *
     * @return {@code true} if the barrier is down, {@code false} on timeout (its watch removed)
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws ZkRecipeException        if ZooKeeper refuses the read (e.g. no permission)
     * @throws IllegalStateException    if closed, also while waiting
     * @throws InterruptedException     if interrupted
     */
    public boolean await(Duration timeout) throws InterruptedException {
        return awaitUntil(Require.deadlineAfter(Require.nonNegative(timeout, "timeout")));
    }

    public String path() {
        return path;
    }

    /** Wakes waiters (they throw {@link IllegalStateException}) and stops listening. Idempotent; leaves the node. */
    @Override
    public void close() {
        if (!wakeup.isClosed()) {
            wakeup.close();
            client.removeListener(wakeup);
        }
    }

    private boolean awaitUntil(long deadline) throws InterruptedException {
        Watcher watcher = event -> wakeup.bump(); // one per call: a timed-out call removes only its own
        // the first reply may take a little longer than a tiny timeout, so a zero timeout still checks once
        long replyDeadline = Math.max(deadline, System.nanoTime() + Replies.GRACE_NANOS);
        while (true) {
            requireOpen();
            long seen = wakeup.current();
            boolean connected = true;
            try {
                // getData, not exists: on a missing node it leaves no watch behind
                AsyncOps.join(Session.of(client).ops().getData(path, watcher), replyDeadline);
                replyDeadline = deadline;
            } catch (KeeperException e) {
                if (e.code() == Code.NONODE) {
                    return true;
                }
                if (!Replies.isConnectionProblem(e.code())) {
                    throw new ZkRecipeException("await barrier", e);
                }
                connected = false;
            } catch (TimeoutException e) {
                // the deadline passed: the wait below ends at once
            }
            if (!(connected ? wakeup.awaitChange(seen, deadline) : wakeup.awaitConnection(client, seen, deadline))) {
                if (!client.isClosed()) {
                    Session.of(client).ops().removeWatches(path, watcher, Watcher.WatcherType.Data).exceptionally(e -> null);
                }
                return false;
            }
        }
    }

    private void requireOpen() {
        if (wakeup.isClosed()) {
            throw new IllegalStateException("barrier at " + path + " is closed");
        }
    }
}
