package io.zkrecipes.naming;

import io.zkrecipes.core.ZkCall;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;

/** Blocking calls for the recipes: retried through connection loss and session expiry, failures wrapped. */
final class Calls {
    private static final int MAX_EXPIRIES = 3;

    private Calls() {
    }

    /**
     * Runs {@code call} under the client's retry policy. A session expiry is not an error for an
     * idempotent call on persistent state: it waits for the next session and runs it again.
     *
     * @throws ZkRecipeException naming {@code what} when the call fails for good
     */
    static <T> T run(ZkClient client, String what, ZkCall<T> call) throws InterruptedException {
        for (int expiries = 0; ; expiries++) {
            long session = client.sessionId();
            try {
                return client.retry(call);
            } catch (KeeperException e) {
                if (e.code() != KeeperException.Code.SESSIONEXPIRED || expiries >= MAX_EXPIRIES) {
                    throw new ZkRecipeException(what, e);
                }
                awaitNewSession(client, session, e, what);
            }
        }
    }

    /** Waits until the client is connected on a session other than {@code dead}. */
    static void awaitNewSession(ZkClient client, long dead, KeeperException cause, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + 2 * client.sessionTimeout().toNanos();
        while (System.nanoTime() < deadline && !client.isClosed()) {
            if (client.awaitConnected(java.time.Duration.ofMillis(50)) && client.sessionId() != dead) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(10); // the dead handle may still look connected: back off
        }
        throw new ZkRecipeException(what, cause);
    }
}
