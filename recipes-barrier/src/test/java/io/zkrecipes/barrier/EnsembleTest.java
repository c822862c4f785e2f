package io.zkrecipes.barrier;

import static io.zkrecipes.barrier.Members.enter;
import static io.zkrecipes.barrier.Members.leave;
import static io.zkrecipes.barrier.Members.membersOf;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(90)
class EnsembleTest {
    private static final Duration LONG = Duration.ofSeconds(40);
    private static final String PATH = "/jobs/sync";

    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.ensemble(3);

    @Test
    void doubleBarrier_membersWaitThroughTheLossOfTheirServer() throws Exception {
        ZkClient reader = zk.newClient();
        try (Members m = new Members(zk, PATH, 4, 4)) {
            List<Future<Boolean>> entering = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                entering.add(m.start(i, enter(LONG)));
            }
            await().atMost(LONG).until(() -> membersOf(reader, PATH, 1).size() == 3);
            zk.killServer(zk.serverOf(m.clients.get(0)));
            assertTrue(entering.stream().noneMatch(Future::isDone), "entered with 3 of 4");
            entering.add(m.start(3, enter(LONG)));
            for (Future<Boolean> f : entering) {
                assertTrue(f.get(60, TimeUnit.SECONDS));
            }
            List<Future<Boolean>> leaving = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                leaving.add(m.start(i, leave(LONG)));
            }
            for (Future<Boolean> f : leaving) {
                assertTrue(f.get(60, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void distributedBarrier_waiterSurvivesTheLossOfItsServer() throws Exception {
        ZkClient waiterClient = zk.newClient();
        DistributedBarrier waiter = DistributedBarrier.create(waiterClient, "/gate");
        DistributedBarrier coordinator = DistributedBarrier.create(zk.newClient(), "/gate");
        coordinator.set();
        ExecutorService threads = Executors.newSingleThreadExecutor();
        try {
            Future<Boolean> waiting = threads.submit(() -> waiter.await(LONG));
            zk.killServer(zk.serverOf(waiterClient));
            assertFalse(waiting.isDone());
            coordinator.remove();
            assertTrue(waiting.get(60, TimeUnit.SECONDS));
        } finally {
            threads.shutdownNow();
        }
    }
}
