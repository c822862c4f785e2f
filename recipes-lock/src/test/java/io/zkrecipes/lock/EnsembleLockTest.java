package io.zkrecipes.lock;

import io.zkrecipes.testing.ZkTestServers;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The contract's safety property on a 3-node ensemble, with a member killed during contention. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EnsembleLockTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void exclusionHolds_whenAMemberIsKilledMidContention(LockKind kind) throws Exception {
        ContentionRun run = ContentionRun.start(zk::newClient, kind, "/locks/ensemble", 5, 12);
        org.awaitility.Awaitility.await().atMost(LockFixture.WAIT).until(() -> run.history.grants() >= 10);
        zk.killServer(0);
        run.check(kind);
        zk.restartServer(0);
    }
}
