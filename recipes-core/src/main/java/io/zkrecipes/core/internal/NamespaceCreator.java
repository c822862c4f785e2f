package io.zkrecipes.core.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * Creates the namespace's own nodes, which the chrooted handle cannot see. Runs at most when a
 * top-level create finds the namespace missing, on a short-lived handle without the chroot.
 */
final class NamespaceCreator {
    private final Settings settings;
    private final Session client;

    NamespaceCreator(Settings settings, Session client) {
        this.settings = settings;
        this.client = client;
    }

    CompletableFuture<Void> ensureExists() {
        if (settings.namespace() == null) {
            return CompletableFuture.failedFuture(KeeperException.create(KeeperException.Code.NONODE, "/"));
        }
        return CompletableFuture.runAsync(() -> {
            try {
                createNamespace();
            } catch (KeeperException e) {
                throw new CompletionException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        }, client.workers());
    }

    private void createNamespace() throws KeeperException, InterruptedException {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk;
        try {
            zk = new ZooKeeper(settings.connectString(), (int) settings.sessionTimeout().toMillis(), e -> {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            }, false, settings.clientConfig());
        } catch (IOException e) {
            throw KeeperException.create(KeeperException.Code.CONNECTIONLOSS, "/" + settings.namespace());
        }
        try {
            if (settings.hasCredentials()) {
                zk.addAuthInfo("digest", settings.digest().getBytes(StandardCharsets.UTF_8));
            }
            if (!connected.await(settings.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw KeeperException.create(KeeperException.Code.CONNECTIONLOSS, "/" + settings.namespace());
            }
            StringBuilder path = new StringBuilder();
            for (String segment : settings.namespace().split("/")) {
                path.append('/').append(segment);
                String p = path.toString();
                try {
                    zk.create(p, new byte[0], client.aclFor("/"), CreateMode.PERSISTENT);
                } catch (KeeperException.NodeExistsException alreadyThere) {
                    // another client created it first
                }
            }
        } finally {
            zk.close();
        }
    }
}
