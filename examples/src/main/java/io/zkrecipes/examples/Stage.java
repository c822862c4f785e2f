package io.zkrecipes.examples;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZKUtil;

/**
 * What one example run works with: its own subtree of the ensemble (so that copies of an example
 * can run side by side), one client per simulated process, a way to kill or expire those
 * processes, and a narrator that prints what happens and the facts it checks.
 */
final class Stage implements AutoCloseable {
    static final String ROOT = "zk-recipes-examples";
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
    private static final Duration CONNECT_WAIT = Duration.ofSeconds(30);

    private final Ensemble ensemble;
    private final String namespace;
    private final PrintStream out;
    private final long started = System.nanoTime();
    private final List<ZkClient> clients = new CopyOnWriteArrayList<>();
    private volatile boolean namespaceMade;
    private final List<String> failures = new CopyOnWriteArrayList<>();

    Stage(Ensemble ensemble, String example, PrintStream out) {
        this.ensemble = ensemble;
        this.out = out;
        this.namespace = ROOT + "/" + example + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    }

    /** A new client, standing for one process, connected to the ensemble under this run's subtree. */
    ZkClient client() throws InterruptedException {
        ZkClient client = ZkClient.builder(ensemble.connectString()).namespace(namespace)
                .sessionTimeout(SESSION_TIMEOUT).build();
        clients.add(client);
        client.start();
        if (!client.awaitConnected(CONNECT_WAIT)) {
            throw new IllegalStateException("could not connect to " + ensemble.connectString() + " within " + CONNECT_WAIT);
        }
        if (!namespaceMade) {
            makeSubtree(); // this run's subtree, for the raw reads and writes the examples make beside the recipes
            namespaceMade = true;
        }
        return client;
    }

    /** Kills a process: its client closes, so its session ends and its ephemeral nodes go at once. */
    void kill(ZkClient client) {
        client.close();
    }

    /** Expires a process's session (as a long pause would) and waits until the client saw it. */
    void expire(ZkClient client) throws Exception {
        Sessions.expire(client, ensemble.connectString(), () -> { });
    }

    /** {@link #expire(ZkClient)}, running {@code meanwhile} after the session ended, before the client noticed. */
    void expire(ZkClient client, Sessions.Meanwhile meanwhile) throws Exception {
        Sessions.expire(client, ensemble.connectString(), meanwhile);
    }

    /** Prints one line of the story, prefixed with the time since the example started. */
    void say(String who, String format, Object... args) {
        double seconds = (System.nanoTime() - started) / 1e9;
        out.println(String.format(Locale.ROOT, "  [%5.2fs] %-12s %s", seconds, who, String.format(Locale.ROOT, format, args)));
    }

    /** Prints a checked fact as {@code CHECK ok: ...} or {@code CHECK FAILED: ...} and records it. */
    boolean check(boolean holds, String fact) {
        out.println((holds ? "  CHECK ok: " : "  CHECK FAILED: ") + fact);
        if (!holds) {
            failures.add(fact);
        }
        return holds;
    }

    /** Waits (polling) until {@code condition} holds or {@code timeout} passes; returns whether it held. */
    static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Closes {@code c}, ignoring failures: its client may already be closed (a killed process). */
    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // a killed participant cannot clean up; its session did
        }
    }

    private void makeSubtree() throws InterruptedException {
        try (ZkClient admin = ZkClient.builder(ensemble.connectString()).sessionTimeout(SESSION_TIMEOUT).build()) {
            admin.start();
            admin.awaitConnected();
            StringBuilder path = new StringBuilder();
            for (String segment : namespace.split("/")) {
                String p = path.append('/').append(segment).toString();
                admin.retry(() -> {
                    try {
                        return admin.unwrap().create(p, new byte[0], admin.aclFor(p), CreateMode.PERSISTENT);
                    } catch (KeeperException.NodeExistsException already) {
                        return p;
                    }
                });
            }
        } catch (KeeperException e) {
            throw new ZkRecipeException("create /" + namespace, e);
        }
    }

    boolean passed() {
        return failures.isEmpty();
    }

    /** Closes every client of the run and deletes the run's subtree. */
    @Override
    public void close() {
        for (ZkClient client : clients) {
            client.close();
        }
        try (ZkClient admin = ZkClient.builder(ensemble.connectString()).sessionTimeout(SESSION_TIMEOUT).build()) {
            admin.start();
            if (admin.awaitConnected(CONNECT_WAIT)) {
                ZKUtil.deleteRecursive(admin.unwrap(), "/" + namespace);
                admin.unwrap().delete("/" + ROOT, -1); // only if no other run is using it
            }
        } catch (KeeperException e) {
            // NONODE: nothing was written; NOTEMPTY: another run shares the root
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // leave the subtree; the caller is being stopped
        }
    }
}
