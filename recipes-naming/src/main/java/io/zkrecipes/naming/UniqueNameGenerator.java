package io.zkrecipes.naming;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * Cluster-wide unique names: {@code prefix + a 19-digit number} that no process connected to the
 * same ensemble ever receives twice, ordered by creation.
 *
 * <p>Each name costs one round trip: a short-lived ephemeral node is created under the parent
 * path and deleted by a request pipelined right behind the create. The number is the node's
 * czxid, the id of the transaction that created it: 64 bits, unique across the ensemble and
 * increasing in the order the ensemble applied the creates. "Ordered by creation" means exactly
 * that order: names compare (as strings, thanks to zero padding, or as {@link #nextNumber()}
 * values) in the order they were handed out cluster-wide, and one generator's names increase.
 * Unlike names built from a parent's sequential counter, these never repeat when that 32-bit
 * counter wraps or the parent is deleted and created again.
 *
 * <p>Nodes never pile up: each is deleted at once, and being ephemeral it goes with the session
 * if a delete is lost. The parent is created, when missing, as a container node, which the server
 * removes once it stays empty.
 *
 * <p>Thread-safe. Blocking calls retry under the client's retry policy; while the client is
 * {@code SUSPENDED} they wait for it; after {@code LOST} they continue on the new session.
 */
public final class UniqueNameGenerator implements AutoCloseable {
    private static final byte[] NO_DATA = new byte[0];
    private static final Executor CLEANUP = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "zk-recipes-name-cleanup");
        t.setDaemon(true);
        return t;
    });

    private final ZkClient client;
    private final String parent;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param client     the client to use; it is not closed by {@link #close()}
     * @param parentPath where the short-lived naming nodes live, like {@code /names/orders}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code parentPath} is not a valid path or is the root
     * @throws IllegalStateException    if the client is closed
     */
    public UniqueNameGenerator(ZkClient client, String parentPath) {
        this.client = Names.checkClient(client);
        ZkPaths.validate(parentPath, "parentPath");
        if (parentPath.equals("/")) {
            throw new IllegalArgumentException("parentPath must not be the root");
        }
        this.parent = parentPath;
    }

    /**
     * A new unique name: {@code prefix} followed by {@link #nextNumber()} zero-padded to 19 digits.
     * Blocks for one round trip.
     *
     * @throws NullPointerException                  if {@code prefix} is null
     * @throws IllegalStateException                 after {@link #close()}
     * @throws io.zkrecipes.core.ZkRecipeException   if the ensemble stays unreachable past the retry deadline
     * @throws InterruptedException                  if interrupted while waiting
     */
    public String next(String prefix) throws InterruptedException {
        Objects.requireNonNull(prefix, "prefix");
        return prefix + String.format("%019d", nextNumber());
    }

    /**
     * A new unique positive number, greater than every number this generator returned before.
     *
     * @throws IllegalStateException                 after {@link #close()}
     * @throws io.zkrecipes.core.ZkRecipeException   if the ensemble stays unreachable past the retry deadline
     * @throws InterruptedException                  if interrupted while waiting
     */
    public long nextNumber() throws InterruptedException {
        if (closed.get()) {
            throw new IllegalStateException("unique name generator for " + parent + " is closed");
        }
        return Calls.run(client, "generate a unique name under " + parent, this::createAndDelete);
    }

    /** The parent path of the naming nodes. */
    public String parentPath() {
        return parent;
    }

    /** Marks the generator closed; it owns no node between calls. Idempotent. */
    @Override
    public void close() {
        closed.set(true);
    }

    private long createAndDelete() throws KeeperException, InterruptedException {
        String node = ZkPaths.join(parent, "n-" + UUID.randomUUID());
        AsyncOps ops = Session.of(client).ops();
        CompletableFuture<AsyncOps.Created> created = ops.createWithParents(node, NO_DATA, CreateMode.EPHEMERAL);
        // the delete rides right behind the create: one round trip per name, no node left behind
        CompletableFuture<Void> deleted = ops.delete(node, -1);
        try {
            long czxid = AsyncOps.join(created).stat().getCzxid();
            deleted.whenComplete((v, e) -> {
                if (e != null) {
                    deleteLater(node); // the create went through the parent's creation, or the delete was lost
                }
            });
            return czxid;
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code())) {
                deleteLater(node); // the create may have landed with its reply lost
            }
            throw e;
        }
    }

    private void deleteLater(String node) {
        CompletableFuture.runAsync(() -> {
            try {
                client.retry(() -> AsyncOps.join(Session.of(client).ops().delete(node, -1)));
            } catch (KeeperException e) {
                // NONODE: never created or already gone; otherwise it goes with the session
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IllegalStateException closedClient) {
                // the session's end removes it
            }
        }, CLEANUP);
    }
}
