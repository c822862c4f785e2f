package io.zkrecipes.barrier;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes removing one of our ephemeral member nodes whose removal had an unknown outcome (the
 * connection dropped with the request in flight): retries on a daemon thread until a definite
 * answer comes, the owning session is gone (and the node with it) or the client is closed.
 */
final class BackgroundRemoval implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(BackgroundRemoval.class);

    private final ZkClient client;
    private final String path;
    private final long ownerSession;
    private final Supplier<CompletableFuture<?>> removal;

    private BackgroundRemoval(ZkClient client, String path, long ownerSession,
            Supplier<CompletableFuture<?>> removal) {
        this.client = client;
        this.path = path;
        this.ownerSession = ownerSession;
        this.removal = removal;
    }

    /** Starts retrying {@code removal} of {@code path} (owned by {@code ownerSession}) in the background. */
    static void start(ZkClient client, String path, long ownerSession, Supplier<CompletableFuture<?>> removal) {
        Thread t = new Thread(new BackgroundRemoval(client, path, ownerSession, removal), "zk-barrier-cleanup");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void run() {
        try {
            while (!client.isClosed() && client.sessionId() == ownerSession) {
                try {
                    client.retry(() -> AsyncOps.join(removal.get()));
                    return;
                } catch (KeeperException e) {
                    if (!ZkClient.isRetryable(e.code())) {
                        return; // NONODE: gone already; SESSIONEXPIRED: gone with its session
                    }
                } catch (IllegalStateException closed) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("Interrupted while removing {}; it goes when session 0x{} ends", path,
                    Long.toHexString(ownerSession));
        }
    }
}
