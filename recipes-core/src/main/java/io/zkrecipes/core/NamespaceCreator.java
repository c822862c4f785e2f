package io.zkrecipes.core;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
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
    private final ZkClient client;

    NamespaceCreator(Settings settings, ZkClient client) {
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
                throw new java.util.concurrent.CompletionException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.CompletionException(e);
            }
        }, client.backgroundExecutor());
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
        } catch (java.io.IOException e) {
            throw KeeperException.create(KeeperException.Code.CONNECTIONLOSS, "/" + settings.namespace());
        }
        try {
            if (settings.hasCredentials()) {
                zk.addAuthInfo("digest", (settings.digestUser() + ":" + settings.digestPassword())
                        .getBytes(StandardCharsets.UTF_8));
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
