package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Turns the reconnect loop of an over-large listing into a clear error. The client drops its
 * connection when a reply exceeds its packet limit ({@code jute.maxbuffer}), so a listing that
 * fails with a connection loss is checked once: if the node has too many children to list, the
 * caller gets an exception saying so instead of retrying forever.
 */
final class ListingGuard {
    private ListingGuard() {
    }

    /**
     * Throws if {@code path} has more children than one reply can carry; returns otherwise.
     *
     * @throws ZkRecipeException naming the node, its size and the limit
     */
    static void check(ZkClient client, String path, KeeperException lost) throws InterruptedException {
        Stat stat;
        try {
            stat = client.retry(() -> AsyncOps.join(Session.of(client).ops().exists(path, null)));
        } catch (KeeperException e) {
            return; // cannot tell: let the caller's own retry decide
        }
        if (stat == null) {
            return;
        }
        long estimate = (long) stat.getNumChildren() * QueueLayout.LISTED_NAME_BYTES;
        if (estimate > client.maxDataBytes()) {
            throw new ZkRecipeException("list " + path + ": " + stat.getNumChildren() + " children need about "
                    + estimate + " bytes, more than the client's packet limit of " + client.maxDataBytes()
                    + " bytes (raise jute.maxbuffer on the client, or use a smaller bucket capacity)", lost);
        }
    }
}
