package io.zkrecipes.config;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import java.util.concurrent.CompletableFuture;

/** The reads the cache sends. */
final class RootReads {
    private final ZkClient client;
    private final String root;

    RootReads(ZkClient client, String root) {
        this.client = client;
        this.root = root;
    }

    /** Reads {@code key}; a closed client answers with a failed future instead of throwing. */
    CompletableFuture<AsyncOps.NodeData> read(String key) {
        try {
            return Session.of(client).ops().getData(ZkPaths.join(root, key), null);
        } catch (IllegalStateException clientClosed) {
            return CompletableFuture.failedFuture(clientClosed);
        }
    }

    /**
     * Lists the root; {@code withSync} first catches the server up (a new session may lag).
     *
     * @throws IllegalStateException if the client is closed
     */
    CompletableFuture<AsyncOps.Children> list(boolean withSync) {
        if (withSync) {
            Session.of(client).ops().sync(root); // why not awaited: the session applies it before the listing
        }
        return Session.of(client).ops().getChildren(root, null);
    }
}
