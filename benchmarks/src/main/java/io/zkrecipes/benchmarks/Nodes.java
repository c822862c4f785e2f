package io.zkrecipes.benchmarks;

import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;

/** Waits on the tree itself, from an observer session, for states a measurement starts from. */
final class Nodes {
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private Nodes() {
    }

    /**
     * Polls every few milliseconds until {@code path} has at least {@code count} children (a missing
     * path counts as none); throws after a minute.
     */
    static void awaitChildren(ZooKeeper zk, String path, int count) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        int seen = 0;
        while (System.nanoTime() < deadline) {
            seen = children(zk, path);
            if (seen >= count) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
        throw new IllegalStateException(path + " has " + seen + " children after 60 s, expected " + count);
    }

    /** The number of children of {@code path}, 0 if it does not exist. */
    static int children(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
        try {
            return zk.getChildren(path, false).size();
        } catch (KeeperException.NoNodeException e) {
            return 0;
        }
    }
}
