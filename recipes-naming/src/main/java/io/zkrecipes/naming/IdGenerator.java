package io.zkrecipes.naming;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps.NodeData;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * Unique positive 64-bit ids from a counter node, handed out locally from leased blocks: a
 * process touches ZooKeeper once per {@code blockSize} ids.
 *
 * <p>The counter node holds the next free id. A lease reads it and writes {@code next + blockSize}
 * with a compare-and-set on the node version; a process that loses the race reads again. The
 * write also carries a random token, so that when its reply is lost the generator can tell
 * whether the write was its own: the block is used only if the node's version is exactly one
 * more than the version read and the token is ours. Otherwise the block is abandoned and a new
 * one leased. Ids may therefore have gaps (lost replies, blocks left unused at {@link #close()}
 * or at process exit), but no id is ever handed out twice.
 *
 * <p>Ids from one generator strictly increase; ids across processes are unique but interleave.
 * They lie in {@code [1, Long.MAX_VALUE)}. The counter node is created (with parents) on first use
 * and must never be deleted or written by anything else: that would restart the ids.
 *
 * <p>Thread-safe; made without any request. {@link #nextId()} blocks only when it leases a new
 * block: while the client is {@code SUSPENDED} it retries under the client's retry policy, after
 * {@code LOST} it continues on the new session (the counter is persistent, so nothing is lost
 * with the session), and it throws {@link ZkRecipeException} once a request has failed for
 * longer than the policy's deadline.
 */
public final class IdGenerator implements AutoCloseable {
    /** Ids leased per round trip unless told otherwise. */
    public static final int DEFAULT_BLOCK_SIZE = 1000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Session session;
    private final String counterPath;
    private final int blockSize;
    private long next; // guarded by this
    private long limit; // guarded by this
    private volatile boolean closed;

    private IdGenerator(Session session, String counterPath, int blockSize) {
        this.session = session;
        this.counterPath = counterPath;
        this.blockSize = blockSize;
    }

    /** A generator leasing {@link #DEFAULT_BLOCK_SIZE} ids at a time. @see #create(ZkClient, String, int) */
    public static IdGenerator create(ZkClient client, String counterPath) {
        return create(client, counterPath, DEFAULT_BLOCK_SIZE);
    }

    /**
     * A generator over the counter at {@code counterPath}. Sends nothing.
     *
     * @param client      the client to use; it is not closed by {@link #close()}
     * @param counterPath the counter node, like {@code /ids/orders}
     * @param blockSize   ids leased per round trip, at least 1
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the path is invalid or the root, or {@code blockSize < 1}
     * @throws IllegalStateException    if the client is closed
     */
    public static IdGenerator create(ZkClient client, String counterPath, int blockSize) {
        Session session = Session.of(client);
        session.requireOpen();
        ZkPaths.validate(counterPath, "counterPath");
        if (counterPath.equals("/")) {
            throw new IllegalArgumentException("counterPath must not be the root");
        }
        return new IdGenerator(session, counterPath, Require.atLeast(blockSize, 1, "blockSize"));
    }

    /**
     * The next id: from the current block without any request, else after leasing a new block
     * (one read and one write).
     *
     * @throws IllegalStateException if this generator is closed, or its client (also while leasing),
     *                               or when the ids are exhausted
     * @throws ZkRecipeException     if the ensemble stays unreachable past the retry deadline
     * @throws InterruptedException  if interrupted while leasing (the block is abandoned)
     */
    public synchronized long nextId() throws InterruptedException {
        requireOpen();
        if (next >= limit) {
            lease();
        }
        return next++;
    }

    /** The number of ids leased per round trip. */
    public int blockSize() {
        return blockSize;
    }

    /** The counter node's path. */
    public String counterPath() {
        return counterPath;
    }

    /**
     * Abandons the rest of the current block (ids are never returned to the counter); a lease in
     * progress finishes, and its block is abandoned too. Does not block. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("id generator for " + counterPath + " is closed");
        }
    }

    private void lease() throws InterruptedException {
        while (true) {
            NodeData read = call("read id counter", this::readOrCreate);
            long from = Counter.parse(read.data(), counterPath).next();
            if (from == Long.MAX_VALUE) {
                throw new IllegalStateException("ids of " + counterPath + " are exhausted");
            }
            long to = Long.MAX_VALUE - from < blockSize ? Long.MAX_VALUE : from + blockSize;
            if (tryWrite(read.stat().getVersion(), to)) {
                requireOpen(); // closed while leasing: the block is abandoned
                next = from;
                limit = to;
                return;
            }
        }
    }

    /** Runs one request under the retry policy (through expiry: the counter is persistent), its joins bounded too. */
    private <T> T call(String what, Step<T> step) throws InterruptedException {
        Deadline deadline = Deadline.after(session.settings().retryPolicy().deadline());
        try {
            return session.retryThroughExpiry(deadline, () -> step.run(deadline));
        } catch (KeeperException e) {
            throw new ZkRecipeException(what + " " + counterPath, e);
        }
    }

    private interface Step<T> {
        T run(Deadline deadline) throws KeeperException, InterruptedException;
    }

    private NodeData readOrCreate(Deadline deadline) throws KeeperException, InterruptedException {
        try {
            return deadline.join(session.ops().getData(counterPath, null));
        } catch (KeeperException.NoNodeException e) {
            try {
                deadline.join(session.ops().createWithParents(counterPath, new Counter(1, "").encode(),
                        CreateMode.PERSISTENT));
            } catch (KeeperException.NodeExistsException raced) {
                // another process created it first
            }
            return deadline.join(session.ops().getData(counterPath, null));
        }
    }

    /** Whether the block ending at {@code to} is ours; false when another process won the race or the outcome is unknown. */
    private boolean tryWrite(int version, long to) throws InterruptedException {
        Counter value = new Counter(to, Counter.newToken());
        Deadline deadline = Deadline.after(session.settings().retryPolicy().deadline());
        try {
            deadline.join(session.ops().setData(counterPath, value.encode(), version)); // never retried blindly
            return true;
        } catch (KeeperException.BadVersionException lostRace) {
            return false;
        } catch (KeeperException e) {
            if (!ZkClient.isRetryable(e.code()) && e.code() != KeeperException.Code.SESSIONEXPIRED) {
                throw new ZkRecipeException("lease ids from " + counterPath, e);
            }
            // the reply is lost: only our own write can have moved the node to version + 1 with our token
            NodeData now = call("read id counter", d -> d.join(session.ops().getData(counterPath, null)));
            return now.stat().getVersion() == version + 1
                    && Counter.parse(now.data(), counterPath).token().equals(value.token());
        }
    }

    /**
     * The counter's data: the next free id in decimal, then a space and the token of the lease
     * that wrote it ({@code "1001 9f2c..."}). A counter written by hand as a bare number is accepted.
     */
    private record Counter(long next, String token) {
        static String newToken() {
            return Long.toHexString(RANDOM.nextLong()) + Long.toHexString(RANDOM.nextLong());
        }

        byte[] encode() {
            String text = token.isEmpty() ? Long.toString(next) : next + " " + token;
            return text.getBytes(StandardCharsets.US_ASCII);
        }

        /** @throws IllegalStateException if the data is not a counter value */
        static Counter parse(byte[] data, String path) {
            String text = data == null ? "" : new String(data, StandardCharsets.US_ASCII).trim();
            int space = text.indexOf(' ');
            String number = space < 0 ? text : text.substring(0, space);
            try {
                long next = Long.parseLong(number);
                if (next < 1) {
                    throw new IllegalStateException("id counter " + path + " holds " + next + ", not a positive id");
                }
                return new Counter(next, space < 0 ? "" : text.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalStateException("id counter " + path + " holds '" + text + "', not '<next id> [token]'",
                        e);
            }
        }
    }

    @Override
    public String toString() {
        return "IdGenerator[" + counterPath + ", blocks of " + blockSize + "]";
    }
}
