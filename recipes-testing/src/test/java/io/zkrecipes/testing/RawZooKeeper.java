package io.zkrecipes.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;

/** A plain, connected ZooKeeper handle for looking at the server's data behind a test's back. */
final class RawZooKeeper implements AutoCloseable {
    private final ZooKeeper zk;

    RawZooKeeper(String connectString) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        zk = new ZooKeeper(connectString, 10_000, event -> {
            if (event.getState() == KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(20, TimeUnit.SECONDS)) {
            zk.close();
            throw new IllegalStateException("no connection to " + connectString);
        }
    }

    ZooKeeper zk() {
        return zk;
    }

    @Override
    public void close() throws InterruptedException {
        zk.close();
    }
}
