package io.zkrecipes.testing;

import static org.awaitility.Awaitility.await;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ZkClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;

/** The fault injections behind {@link ZkTestServers}; each waits for the state it causes. */
final class Faults {
    private Faults() {
    }

    /** A step that may fail with any exception. */
    interface Step {
        void run() throws Exception;
    }

    static void run(Step step, String what) {
        try {
            step.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not " + what, e);
        }
    }

    static LoopbackProxy openProxy(int serverPort) {
        try {
            return new LoopbackProxy(serverPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a loopback proxy", e);
        }
    }

    static void awaitConnected(ZkClient client, Duration timeout) {
        run(() -> {
            if (!client.awaitConnected(timeout)) {
                throw new IllegalStateException("client to " + client.connectString()
                        + " not connected within " + timeout + ", state " + client.state());
            }
        }, "connect a client");
    }

    /**
     * Closes the client's session from a second handle on the same session. The client's proxies
     * are cut meanwhile, so that it cannot win the session back before it is closed.
     */
    static void expireSession(ZkClient client, List<LoopbackProxy> proxies, String servers, Duration timeout) {
        ZooKeeper handle = client.unwrap();
        long sessionId = handle.getSessionId();
        if (!client.isConnected() || sessionId == 0) {
            throw new IllegalStateException("client must be connected to expire its session, state "
                    + client.state());
        }
        try (StateRecorder states = StateRecorder.attach(client)) {
            proxies.forEach(LoopbackProxy::cut);
            try {
                run(() -> closeSession(servers, sessionId, handle.getSessionPasswd(),
                        handle.getSessionTimeout(), timeout), "close session 0x" + Long.toHexString(sessionId));
            } finally {
                proxies.forEach(LoopbackProxy::restore);
            }
            states.awaitStates(timeout, ConnectionState.LOST, ConnectionState.RECONNECTED);
            await("a new session after expiry of 0x" + Long.toHexString(sessionId)).atMost(timeout)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> client.isConnected() && client.sessionId() != sessionId);
        }
    }

    private static void closeSession(String servers, long sessionId, byte[] password, int sessionMillis,
            Duration timeout) throws IOException, InterruptedException {
        CountDownLatch attached = new CountDownLatch(1);
        ZooKeeper twin = new ZooKeeper(servers, sessionMillis, event -> {
            if (event.getState() == KeeperState.SyncConnected || event.getState() == KeeperState.Expired) {
                attached.countDown();
            }
        }, sessionId, password);
        try {
            if (!attached.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("could not attach to session 0x" + Long.toHexString(sessionId));
            }
        } finally {
            twin.close(); // sends closeSession: the server deletes the session's ephemeral nodes
        }
    }

    /** Creates {@code path} and its parents as persistent nodes (world-open) if missing. */
    static void createPath(String servers, String path, Duration timeout) {
        run(() -> {
            CountDownLatch connected = new CountDownLatch(1);
            ZooKeeper zk = new ZooKeeper(servers, 10_000, event -> {
                if (event.getState() == KeeperState.SyncConnected) {
                    connected.countDown();
                }
            });
            try {
                if (!connected.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("no connection to " + servers);
                }
                createPersistent(zk, path);
            } finally {
                zk.close();
            }
        }, "create " + path);
    }

    private static void createPersistent(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
        int next = 0;
        while (next >= 0) {
            next = path.indexOf('/', next + 1);
            try {
                zk.create(next < 0 ? path : path.substring(0, next), new byte[0], Ids.OPEN_ACL_UNSAFE,
                        CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException alreadyThere) {
                // made by an earlier test or client
            }
        }
    }

    static void cut(ZkClient client, List<LoopbackProxy> proxies, Duration timeout) {
        boolean wasConnected = client.isConnected();
        try (StateRecorder states = StateRecorder.attach(client)) {
            proxies.forEach(LoopbackProxy::cut);
            if (wasConnected) {
                states.awaitState(ConnectionState.SUSPENDED, timeout);
            }
        }
    }

    static void restore(ZkClient client, List<LoopbackProxy> proxies, Duration timeout) {
        boolean wasConnected = client.isConnected();
        try (StateRecorder states = StateRecorder.attach(client)) {
            proxies.forEach(LoopbackProxy::restore);
            if (!wasConnected) {
                states.awaitState(ConnectionState.RECONNECTED, timeout);
            }
        }
    }

    static CompletableFuture<Integer> dropNextReply(List<LoopbackProxy> proxies, int opCode, boolean thenCut) {
        CompletableFuture<Integer> dropped = new CompletableFuture<>();
        for (LoopbackProxy proxy : proxies) {
            proxy.dropNextReply(opCode, thenCut).thenAccept(dropped::complete);
        }
        // a client talks to one server at a time: once one proxy fired, the others must not
        dropped.thenRun(() -> proxies.forEach(thenCut ? LoopbackProxy::cut : LoopbackProxy::disarm));
        return dropped;
    }
}
