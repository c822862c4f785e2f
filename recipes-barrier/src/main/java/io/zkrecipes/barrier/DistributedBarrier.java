package io.zkrecipes.barrier;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher;

/**
 * A barrier held by one node: while the node exists the barrier is up and {@link #await} blocks;
 * removing it releases every waiter. Any client may {@link #set()} or {@link #remove()} it.
 *
 * <pre>{@code
 * DistributedBarrier gate = DistributedBarrier.create(client, "/deploy/gate");
 * gate.set();                                  // coordinator
 * gate.await(Duration.ofMinutes(5));           // workers, on their own clients
 * gate.remove();                               // coordinator: everyone goes
 * }</pre>
 *
 * <p>The node is PERSISTENT (a crashed coordinator does not release the waiters); missing parents
 * are created as CONTAINER nodes. Waiters of one instance share one {@code getData} watch on
 * the node; making an instance sends nothing and registers nothing on the client.
 *
 * <p><b>Timeouts</b> are deadlines: {@link #await(Duration)} returns within its timeout (a zero
 * or very short timeout: within half a second, so that it still reads the node once), whatever
 * the network does.
 *
 * <p><b>Connection states.</b> {@code SUSPENDED}: waiters keep waiting (their deadline still
 * applies). {@code RECONNECTED} or {@code LOST} (watches gone with the session): waiters read the
 * node again and re-watch it, so a removal during the outage is not missed.
 *
 * <p>Thread-safe: any number of threads may wait at once.
 */
public final class DistributedBarrier implements AutoCloseable {
    private static final byte[] EMPTY = new byte[0];
    /** How long the first read may take past a zero or very short timeout. */
    private static final Duration GRACE = Duration.ofMillis(500);

    private final ZkClient client;
    private final String path;
    /** The waits of the calls now waiting, for close() to wake. */
    private final Set<Wait> waiting = ConcurrentHashMap.newKeySet();
    /*
     * One watcher for every call of this instance, never removed: a removal that is in flight when
     * the connection drops makes ZooKeeper's client swallow its Disconnected event. Being one
     * object, it is set at most once on the node after calls gave up, and goes when the node changes.
     */
    private final Watcher nodeWatch = event -> waiting.forEach(Wait::fire);
    private volatile boolean closed;

    private DistributedBarrier(ZkClient client, String path) {
        this.client = client;
        this.path = path;
    }

    /**
     * The barrier at {@code path}. Sends nothing and registers nothing.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path or is the root
     * @throws IllegalStateException    if the client is closed
     */
    public static DistributedBarrier create(ZkClient client, String path) {
        Objects.requireNonNull(client, "client");
        ZkPaths.validate(path, "path");
        if (path.equals("/")) {
            throw new IllegalArgumentException("path must not be the root '/'");
        }
        if (client.isClosed()) {
            throw new IllegalStateException("client is closed");
        }
        return new DistributedBarrier(client, path);
    }

    /**
     * Puts the barrier up: creates its node if missing. Idempotent. Blocks for one round trip,
     * retried under the client's retry policy.
     *
     * @throws ZkRecipeException     if ZooKeeper stays unreachable past the retry deadline or refuses
     * @throws IllegalStateException if this barrier or its client is closed
     * @throws InterruptedException  if interrupted (the node may have been created)
     */
    public void set() throws InterruptedException {
        Session session = requireOpen();
        try {
            session.retry(Deadline.none(),
                    () -> Deadline.none().join(session.ops().createWithParents(path, EMPTY, CreateMode.PERSISTENT)));
        } catch (KeeperException e) {
            if (e.code() != Code.NODEEXISTS) {
                throw new ZkRecipeException("set barrier " + path, e);
            }
        }
    }

    /**
     * Takes the barrier down, releasing every waiter. Idempotent.
     *
     * @throws ZkRecipeException     if ZooKeeper stays unreachable past the retry deadline or refuses
     * @throws IllegalStateException if this barrier or its client is closed
     * @throws InterruptedException  if interrupted (the node may have been deleted)
     */
    public void remove() throws InterruptedException {
        Session session = requireOpen();
        try {
            session.retry(Deadline.none(), () -> Deadline.none().join(session.ops().delete(path, -1)));
        } catch (KeeperException e) {
            if (e.code() != Code.NONODE) {
                throw new ZkRecipeException("remove barrier " + path, e);
            }
        }
    }

    /**
     * Whether the barrier is up now.
     *
     * @throws ZkRecipeException     if ZooKeeper stays unreachable past the retry deadline or refuses
     * @throws IllegalStateException if this barrier or its client is closed
     * @throws InterruptedException  if interrupted
     */
    public boolean isSet() throws InterruptedException {
        Session session = requireOpen();
        try {
            return session.retry(Deadline.none(), () -> Deadline.none().join(session.ops().exists(path, null))) != null;
        } catch (KeeperException e) {
            throw new ZkRecipeException("read barrier " + path, e);
        }
    }

    /**
     * Blocks until the barrier is down (its node absent), through short connection losses and
     * session expiries; an outage longer than the retry policy's deadline ends the wait with
     * {@link ZkRecipeException}.
     *
     * @throws ZkRecipeException     if ZooKeeper refuses the read (e.g. no permission), or stays
     *                               unreachable past the retry policy's deadline
     * @throws IllegalStateException if this barrier or its client is closed, also while waiting
     * @throws InterruptedException  if interrupted
     */
    public void await() throws InterruptedException {
        awaitUntil(Deadline.none());
    }

    /**
     * Blocks until the barrier is down or {@code timeout} has passed. A zero timeout reads once.
     *
     * @return {@code true} if the barrier is down, {@code false} on timeout
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws ZkRecipeException        if ZooKeeper refuses the read (e.g. no permission)
     * @throws IllegalStateException    if this barrier or its client is closed, also while waiting
     * @throws InterruptedException     if interrupted
     */
    public boolean await(Duration timeout) throws InterruptedException {
        return awaitUntil(Deadline.after(timeout));
    }

    /** The barrier's node: it exists while the barrier is set. */
    public String path() {
        return path;
    }

    /** Makes waiting calls throw {@link IllegalStateException}, and any later call. Idempotent; leaves the node. */
    @Override
    public void close() {
        closed = true;
        waiting.forEach(Wait::fire);
    }

    private boolean awaitUntil(Deadline deadline) throws InterruptedException {
        Session session = requireOpen();
        // the first reply may outlast a tiny timeout, so that a zero timeout still reads once
        Deadline replies = deadline.remainingNanos() < GRACE.toNanos() ? Deadline.after(GRACE) : deadline;
        try (Wait wait = session.newWait()) {
            waiting.add(wait);
            try {
                while (true) {
                    requireOpen();
                    if (isDown(session, replies)) {
                        return true;
                    }
                    replies = deadline;
                    if (!wait.await(deadline)) {
                        return false;
                    }
                }
            } finally {
                waiting.remove(wait);
            }
        }
    }

    /** Reads the node and watches it; {@code false} also when it cannot be read now. */
    private boolean isDown(Session session, Deadline deadline) throws InterruptedException {
        try {
            // getData, not exists: on a missing node it leaves no watch behind
            session.retry(deadline, () -> deadline.join(session.ops().getData(path, nodeWatch)));
            return false;
        } catch (KeeperException e) {
            if (e.code() == Code.NONODE) {
                return true;
            }
            if (e.code() == Code.SESSIONEXPIRED || (ZkClient.isRetryable(e.code()) && deadline.isTimed())) {
                return false; // the next session wakes the wait; or the deadline passed and it ends at once
            }
            throw new ZkRecipeException("await barrier " + path, e);
        }
    }

    private Session requireOpen() {
        if (closed) {
            throw new IllegalStateException("barrier at " + path + " is closed");
        }
        Session session = Session.of(client);
        session.requireOpen();
        return session;
    }
}
