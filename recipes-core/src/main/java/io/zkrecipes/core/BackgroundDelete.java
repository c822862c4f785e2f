package io.zkrecipes.core;

import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a node whose first delete had an unknown outcome: keeps trying in the background until
 * the node is gone or, for an ephemeral node, the session that owns it is gone (and the node with
 * it) or the client is closed (which ends the session). {@code ownerSession} 0 means persistent.
 */
final class BackgroundDelete implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(BackgroundDelete.class);

    private final ZkClient client;
    private final String path;
    private final long ownerSession;

    BackgroundDelete(ZkClient client, String path, long ownerSession) {
        this.client = client;
        this.path = path;
        this.ownerSession = ownerSession;
    }

    @Override
    public void run() {
        try {
            while (!client.isClosed() && (ownerSession == 0 || client.sessionId() == ownerSession)) {
                try {
                    client.retry(() -> AsyncOps.join(client.async().delete(path, -1)));
                    return;
                } catch (KeeperException e) {
                    if (!ZkClient.isRetryable(e.code())) {
                        return; // NONODE: already gone; SESSIONEXPIRED: gone with the session
                    }
                } catch (IllegalStateException closed) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            log.warn("Interrupted while deleting {}; it goes when session 0x{} ends", path,
                    Long.toHexString(ownerSession));
        }
    }
}
