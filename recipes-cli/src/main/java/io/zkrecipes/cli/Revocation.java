package io.zkrecipes.cli;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.lock.CountingSemaphore;
import io.zkrecipes.lock.DistributedLock;
import io.zkrecipes.lock.ExclusiveLock;
import io.zkrecipes.lock.ReadWriteLock;
import io.zkrecipes.lock.SequentialLock;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.EventType;

/**
 * {@code zkr lock PATH --revoke}: asks the lock's holders to release it, through the lock's own
 * {@link DistributedLock#requestRevocation()}, then waits up to the timeout for their nodes to go.
 * Nothing is forced: a holder whose code does not listen keeps the lock. The request node is an
 * ephemeral node of this session, so the inspector stays connected while it waits: a holder that
 * reads the request late still finds it.
 */
final class Revocation {
    private Revocation() {
    }

    /** What was there, whether the holders were asked, and which of them still held at the end. */
    record RevocationReport(LockCommand.LockReport before, boolean asked, List<String> stillHeld, long waitedMillis)
            implements Report {
        @Override
        public void print(PrintWriter out) {
            before.print(out);
            if (!asked) {
                out.println("revoke   nobody holds the lock: no request made");
            } else if (stillHeld.isEmpty()) {
                out.println("revoke   requested; every holder released within " + Show.age(waitedMillis));
            } else {
                out.println("revoke   requested; still held after " + Show.age(waitedMillis) + " by "
                        + String.join(", ", stillHeld) + " (nothing is forced)");
            }
        }
    }

    static RevocationReport revoke(ZkClient client, String path, Duration timeout) {
        LockCommand.LockReport before = LockCommand.read(new Nodes(client), path);
        List<String> held = holderPaths(before);
        long start = System.nanoTime();
        try {
            if (held.isEmpty() || !request(before.kind(), client, path)) {
                return new RevocationReport(before, false, List.of(), 0);
            }
            List<String> still = awaitGone(client, held, timeout);
            return new RevocationReport(before, true, still.stream().map(ZkPaths::name).toList(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.unreachable("interrupted while asking the holders of " + path + " to release");
        } catch (ZkRecipeException e) {
            throw Failure.refused("could not ask the holders of " + path + " to release: " + e.getMessage());
        }
    }

    private static List<String> holderPaths(LockCommand.LockReport report) {
        String base = switch (report.kind()) {
            case "exclusive" -> null;
            case "semaphore" -> ZkPaths.join(report.path(), "leases");
            default -> report.path();
        };
        return report.holders().stream().map(h -> base == null ? report.path() : ZkPaths.join(base, h.node())).toList();
    }

    /** The request, made by the lock kind's own code (it knows whose holds to address). Sends nothing else. */
    private static boolean request(String kind, ZkClient client, String path) throws InterruptedException {
        return switch (kind) {
            case "exclusive" -> ask(ExclusiveLock.create(client, path));
            case "sequential" -> ask(SequentialLock.create(client, path));
            case "read-write" -> {
                try (ReadWriteLock lock = ReadWriteLock.create(client, path)) {
                    yield lock.readLock().requestRevocation(); // either side: the line's rule judges each member by its own mode
                }
            }
            default -> ask(CountingSemaphore.create(client, path, 1)); // permits matter only to acquire
        };
    }

    private static boolean ask(DistributedLock lock) throws InterruptedException {
        try (lock) {
            return lock.requestRevocation();
        }
    }

    /** Waits, by watches on the holders' nodes, until they are gone or {@code timeout} passes; the ones left. */
    private static List<String> awaitGone(ZkClient client, List<String> nodes, Duration timeout)
            throws InterruptedException {
        CountDownLatch gone = new CountDownLatch(nodes.size());
        for (String node : nodes) {
            watchUntilGone(client, node, gone);
        }
        gone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<String> still = new ArrayList<>();
        for (String node : nodes) {
            try {
                if (client.unwrap().exists(node, false) != null) {
                    still.add(node);
                }
            } catch (KeeperException e) {
                throw Failure.unreachable("lost the connection while reading " + node + " (" + e.code() + ")");
            }
        }
        return still;
    }

    /**
     * Counts {@code gone} down once {@code node} is deleted. A release may write the node just before
     * it deletes it (a lock's hand-off marker), which spends the one-shot watch: watch again then.
     */
    private static void watchUntilGone(ZkClient client, String node, CountDownLatch gone) {
        client.unwrap().getData(node, event -> {
            if (event.getType() == EventType.NodeDeleted) {
                gone.countDown();
            } else if (event.getType() != EventType.None) {
                watchUntilGone(client, node, gone);
            }
        }, (rc, path, ctx, data, stat) -> {
            if (rc == KeeperException.Code.NONODE.intValue()) {
                gone.countDown(); // released already; getData, not exists, so no watch is left behind
            }
        }, null);
    }
}
