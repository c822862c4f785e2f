package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Session;
import static org.awaitility.Awaitility.await;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/** Test helpers: contenders on their own threads, and the nodes a session owns under a path. */
final class LockFixture {
    static final Duration WAIT = Duration.ofSeconds(20);

    private LockFixture() {
    }

    /** An acquire running on its own thread. */
    static final class Contender {
        final CompletableFuture<Optional<Lease>> result = new CompletableFuture<>();
        final Thread thread;

        Contender(DistributedLock lock, Duration timeout) {
            thread = new Thread(() -> {
                try {
                    result.complete(lock.acquire(timeout));
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            }, "contender-" + lock.path());
            thread.setDaemon(true);
            thread.start();
        }

        Lease lease() {
            return result.orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join()
                    .orElseThrow(() -> new AssertionError("acquire timed out"));
        }
    }

    /** Starts an acquire on its own thread and returns once it waits on a watch. */
    static Contender startWaiting(LockKind kind, DistributedLock lock, ZkClient client) {
        Map<RequestStats.Type, Long> before = client.requestStats().snapshot();
        Contender c = new Contender(lock, WAIT);
        await("waiting on " + lock.path()).atMost(WAIT).pollInterval(Duration.ofMillis(5))
                .until(() -> c.result.isDone() || kind.isWaiting(client, before));
        if (c.result.isDone()) {
            throw new AssertionError("expected to wait, got " + c.result.join());
        }
        return c;
    }

    /** Every node under {@code path} (recursively) whose ephemeral owner is {@code sessionId}. */
    static List<String> ownedBy(ZkClient observer, String path, long sessionId) throws Exception {
        List<String> owned = new ArrayList<>();
        collect(observer, path, sessionId, owned);
        return owned;
    }

    private static void collect(ZkClient observer, String path, long sessionId, List<String> owned) throws Exception {
        List<String> children;
        try {
            children = AsyncOps.join(Session.of(observer).ops().getChildren(path, null)).names();
        } catch (KeeperException.NoNodeException e) {
            return;
        }
        Stat stat = AsyncOps.join(Session.of(observer).ops().exists(path, null));
        if (stat != null && stat.getEphemeralOwner() == sessionId) {
            owned.add(path);
        }
        for (String child : children) {
            collect(observer, ZkPaths.join(path, child), sessionId, owned);
        }
    }

    /** Waits until the session owns no node under {@code path}. */
    static void awaitNoNodes(ZkClient observer, String path, long sessionId) {
        await("no nodes of 0x" + Long.toHexString(sessionId) + " under " + path).atMost(WAIT)
                .pollInterval(Duration.ofMillis(20)).until(() -> ownedBy(observer, path, sessionId).isEmpty());
    }
}
