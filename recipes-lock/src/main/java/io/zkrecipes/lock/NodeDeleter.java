package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a holder's ephemeral node. When the outcome is unknown (connection loss) it keeps trying
 * in the background until the node is gone, its session is gone (the node with it) or the client
 * closes, so a release during a connection cut still frees the lock once the connection returns.
 */
final class NodeDeleter {
    private static final Logger log = LoggerFactory.getLogger(NodeDeleter.class);

    private NodeDeleter() {
    }

    /**
     * @param sessionBound send on the node's own session only (for fixed names that another
     *                     session may own once ours is gone)
     */
    static void delete(ZkClient client, String path, long sessionId, boolean sessionBound) {
        if (client.isClosed() || client.sessionId() != sessionId) {
            return; // the node went with its session
        }
        try {
            AsyncOps.join(send(client, path, sessionId, sessionBound));
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code())) {
                Background.EXECUTOR.execute(() -> keepTrying(client, path, sessionId, sessionBound));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Background.EXECUTOR.execute(() -> keepTrying(client, path, sessionId, sessionBound));
        } catch (IllegalStateException closed) {
            // the client closed meanwhile: its session and nodes are gone
        }
    }

    private static CompletableFuture<Void> send(ZkClient client, String path, long sessionId, boolean sessionBound) {
        return sessionBound ? Session.of(client).ops().forSession(sessionId).delete(path, -1) : Session.of(client).ops().delete(path, -1);
    }

    private static void keepTrying(ZkClient client, String path, long sessionId, boolean sessionBound) {
        while (!client.isClosed() && client.sessionId() == sessionId) {
            try {
                client.retry(() -> AsyncOps.join(send(client, path, sessionId, sessionBound)));
                return;
            } catch (KeeperException e) {
                if (!ZkClient.isRetryable(e.code())) {
                    return; // NONODE: gone already; SESSIONEXPIRED: gone with the session
                }
            } catch (InterruptedException e) {
                log.warn("Interrupted while deleting {}; it goes when its session ends", path);
                return;
            } catch (IllegalStateException closed) {
                return;
            }
        }
    }
}
