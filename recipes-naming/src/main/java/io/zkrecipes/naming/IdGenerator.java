package io.zkrecipes.naming;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.AsyncOps.NodeData;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Require;
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
 * <p>Thread-safe. {@link #nextId()} blocks only when a new block is leased; while the client is
 * {@code SUSPENDED} it waits for it; after {@code LOST} it continues on the new session (the
 * counter is persistent, so nothing is lost with the session).
 */
public final class IdGenerator implements AutoCloseable {
    /** Ids leased per round trip unless told otherwise. */
    public static final int DEFAULT_BLOCK_SIZE = 1000;

    private final ZkClient client;
    private final String counterPath;
    private final int blockSize;
    private long next;
    private long limit;
    private boolean closed;

    /**
     * A generator leasing {@link #DEFAULT_BLOCK_SIZE} ids at a time.
     *
     * @see #IdGenerator(ZkClient, String, int)
     */
    public IdGenerator(ZkClient client, String counterPath) {
        this(client, counterPath, DEFAULT_BLOCK_SIZE);
    }

    /**
     * @param client      the client to use; it is not closed by {@link #close()}
     * @param counterPath the counter node, like {@code /ids/orders}
     * @param blockSize   ids leased per round trip, at least 1
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the path is invalid or the root, or {@code blockSize < 1}
     * @throws IllegalStateException    if the client is closed
     */
    public IdGenerator(ZkClient client, String counterPath, int blockSize) {
        this.client = Names.checkClient(client);
        ZkPaths.validate(counterPath, "counterPath");
        if (counterPath.equals("/")) {
            throw new IllegalArgumentException("counterPath must not be the root");
        }
        this.counterPath = counterPath;
        this.blockSize = Require.atLeast(blockSize, 1, "blockSize");
    }

    /**
     * The next id: from the current block without any request, else after leasing a new block.
     *
     * @throws IllegalStateException                 after {@link #close()}, or when the ids are exhausted
     * @throws io.zkrecipes.core.ZkRecipeException   if the ensemble stays unreachable past the retry deadline
     * @throws InterruptedException                  if interrupted while leasing (the block is abandoned)
     */
    public synchronized long nextId() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("id generator for " + counterPath + " is closed");
        }
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

    /** Abandons the rest of the current block; ids are never returned to the counter. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        next = limit;
    }

    private void lease() throws InterruptedException {
        while (true) {
            NodeData read = Calls.run(client, "read id counter " + counterPath, this::readOrCreate);
            long from = CounterValue.parse(read.data(), counterPath).next();
            if (from == Long.MAX_VALUE) {
                throw new IllegalStateException("ids of " + counterPath + " are exhausted");
            }
            long to = Long.MAX_VALUE - from < blockSize ? Long.MAX_VALUE : from + blockSize;
            if (tryWrite(read.stat().getVersion(), to)) {
                next = from;
                limit = to;
                return;
            }
        }
    }

    private NodeData readOrCreate() throws KeeperException, InterruptedException {
        try {
            return AsyncOps.join(Session.of(client).ops().getData(counterPath, null));
        } catch (KeeperException.NoNodeException e) {
            try {
                AsyncOps.join(Session.of(client).ops().createWithParents(counterPath, new CounterValue(1, "").encode(),
                        CreateMode.PERSISTENT));
            } catch (KeeperException.NodeExistsException raced) {
                // another process created it first
            }
            return AsyncOps.join(Session.of(client).ops().getData(counterPath, null));
        }
    }

    /** Whether the block ending at {@code to} is ours; false when another process won the race or the outcome is unknown. */
    private boolean tryWrite(int version, long to) throws InterruptedException {
        CounterValue value = new CounterValue(to, CounterValue.newToken());
        try {
            AsyncOps.join(Session.of(client).ops().setData(counterPath, value.encode(), version));
            return true;
        } catch (KeeperException.BadVersionException lostRace) {
            return false;
        } catch (KeeperException e) {
            if (!ZkClient.isRetryable(e.code()) && e.code() != KeeperException.Code.SESSIONEXPIRED) {
                throw new ZkRecipeException("lease ids from " + counterPath, e);
            }
            // the reply is lost: only our own write can have moved the node to version + 1 with our token
            NodeData now = Calls.run(client, "read id counter " + counterPath,
                    () -> AsyncOps.join(Session.of(client).ops().getData(counterPath, null)));
            return now.stat().getVersion() == version + 1
                    && CounterValue.parse(now.data(), counterPath).token().equals(value.token());
        }
    }
}
