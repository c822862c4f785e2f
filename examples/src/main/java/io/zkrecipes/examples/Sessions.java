package io.zkrecipes.examples;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * Makes a participant's session expire on the ensemble, the way a long GC pause or a network
 * partition longer than the session timeout would: a second handle joins the same session (same id
 * and password) and closes it, which ends the session everywhere and deletes its ephemeral nodes.
 */
final class Sessions {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private Sessions() {
    }

    /**
     * Expires {@code client}'s current session and waits until the client has reported
     * {@link ConnectionState#LOST} (it then opens a new session by itself). {@code meanwhile} runs
     * once the session is gone, before the client has heard of it.
     *
     * @throws IllegalStateException if the expiry is not seen within 20 seconds
     */
    static void expire(ZkClient client, String connectString, Meanwhile meanwhile) throws Exception {
        CountDownLatch lost = new CountDownLatch(1);
        ConnectionStateListener listener = (c, state) -> {
            if (state == ConnectionState.LOST) {
                lost.countDown();
            }
        };
        client.addListener(listener);
        try {
            ZooKeeper current = client.unwrap();
            closeSession(connectString, current.getSessionId(), current.getSessionPasswd());
            meanwhile.run();
            if (!lost.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the client did not see its session expire within " + WAIT);
            }
        } finally {
            client.removeListener(listener);
        }
    }

    /** What the rest of the world does while a paused process has not yet noticed its loss. */
    @FunctionalInterface
    interface Meanwhile {
        void run() throws Exception;
    }

    private static void closeSession(String connectString, long id, byte[] password) throws InterruptedException {
        CountDownLatch connected = new CountDownLatch(1);
        Watcher watcher = event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        };
        ZooKeeper twin;
        try {
            twin = new ZooKeeper(connectString, 10_000, watcher, id, password);
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + connectString + " to expire a session", e);
        }
        try {
            if (!connected.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("cannot join session 0x" + Long.toHexString(id) + " to expire it");
            }
        } finally {
            twin.close(); // closing the twin ends the shared session on the whole ensemble
        }
    }
}
