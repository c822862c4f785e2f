package io.zkrecipes.naming;

import io.zkrecipes.core.ZkCall;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import org.apache.zookeeper.KeeperException;

/** Blocking calls for the recipes: retried through connection loss and session expiry, failures wrapped. */
final class Calls {
    private Calls() {
    }

    /**
     * Runs {@code call} under the client's retry policy. A session expiry is not an error for an
     * idempotent call on persistent state: it waits for the next session and runs it again.
     *
     * @throws ZkRecipeException naming {@code what} when the call fails for good
     */
    static <T> T run(ZkClient client, String what, ZkCall<T> call) throws InterruptedException {
        try {
            return Session.of(client).retryThroughExpiry(Deadline.none(), call);
        } catch (KeeperException e) {
            throw new ZkRecipeException(what, e);
        }
    }
}
