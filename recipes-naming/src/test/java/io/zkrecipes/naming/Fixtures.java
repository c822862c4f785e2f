package io.zkrecipes.naming;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import org.apache.zookeeper.KeeperException;

/** Small helpers shared by the naming tests. */
final class Fixtures {
    private Fixtures() {
    }

    /** A started, initialized discovery on its own session, closed after the test. */
    static ServiceDiscovery discovery(ZkTestServers zk, String service) throws InterruptedException {
        return discovery(zk, zk.newClient(), service, PickStrategy.RANDOM);
    }

    static ServiceDiscovery discovery(ZkTestServers zk, ZkClient client, String service, PickStrategy strategy)
            throws InterruptedException {
        ServiceDiscovery d = zk.closeAfterTest(ServiceDiscovery.builder(client, service).strategy(strategy).build());
        d.start();
        if (!d.awaitInitialized(Duration.ofSeconds(20))) {
            throw new AssertionError("discovery of " + service + " not initialized");
        }
        return d;
    }

    static boolean exists(ZkClient client, String path) throws InterruptedException {
        try {
            return AsyncOps.join(Session.of(client).ops().exists(path, null)) != null;
        } catch (KeeperException e) {
            throw new IllegalStateException(e);
        }
    }
}
