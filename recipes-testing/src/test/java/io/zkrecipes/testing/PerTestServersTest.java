package io.zkrecipes.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Registered on an instance field, the extension runs a fresh server for each test. */
@Timeout(60)
class PerTestServersTest {
    @RegisterExtension
    final ZkTestServers zk = ZkTestServers.single();

    @Test
    void instanceField_startsAServerForTheTest() throws Exception {
        ZkClient client = zk.newClient();

        assertTrue(client.isConnected());
        assertTrue(zk.namespace().startsWith("t-PerTestServersTest-instanceField_startsAServerForTheTest-"));
    }
}
