package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.lock.LockLivenessTest.Kind;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lock contract on a 3-node ensemble, and timed acquires while the ensemble has no quorum. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LockEnsembleContractTest extends LockContractTest {
    @RegisterExtension
    static final ZkTestServers ensemble = ZkTestServers.ensemble(3);

    @Override
    ZkTestServers servers() {
        return ensemble;
    }

    @Test
    void timedAcquiresOfEveryKind_returnWithinTheirTimeout_whileQuorumIsLost() throws Exception {
        ZkClient holder = ensemble.newClient();
        ZkClient w = ensemble.newClient();
        Map<Kind, DistributedLock> waiting = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            String path = "/locks/quorum-" + kind;
            kind.excluder(holder, path).acquire();
            waiting.put(kind, kind.lock(w, path));
        }
        ensemble.killServer(1);
        ensemble.killServer(2); // the one left cannot serve without a quorum
        await("no server serves").atMost(WAIT).until(() -> !w.isConnected() && !holder.isConnected());

        long start = System.nanoTime();
        Map<Kind, LockFixture.Contender> contenders = new EnumMap<>(Kind.class);
        waiting.forEach((kind, lock) -> contenders.put(kind, new LockFixture.Contender(lock, Duration.ofSeconds(1))));
        Duration bound = Duration.ofSeconds(1).plus(LockLivenessTest.SLACK);
        assertAll(Arrays.stream(Kind.values()).map(kind -> (Executable) () -> LockLivenessTest.assertGivesUpBy(
                contenders.get(kind), start, bound, kind + ": acquire(1 s) without a quorum")));
    }
}
