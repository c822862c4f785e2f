package io.zkrecipes.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LeaderHistoryTest {

    @Test
    void assertSafe_acceptsLeadersTakingTurnsWithGrowingEpochs() {
        LeaderHistory history = new LeaderHistory();
        history.leading("a", 10);
        history.leading("a", 10);
        history.notLeading("a");
        history.leading("b", 12);
        history.notLeading("b");
        history.leading("a", 15);

        history.assertSafe();
        history.assertNoConcurrentLeaders();
        assertEquals(Map.of(10L, "a", 12L, "b", 15L, "a"), history.leaders());
    }

    @Test
    void assertOneLeaderPerEpoch_reportsTwoClaimantsOfOneEpoch() {
        LeaderHistory history = new LeaderHistory();
        history.leading("a", 10);
        history.leading("b", 10);

        AssertionError error = assertThrows(AssertionError.class, history::assertSafe);
        assertTrue(error.getMessage().contains("epoch 10 claimed by [a, b]"), error::getMessage);
    }

    @Test
    void assertEpochsIncrease_reportsAStaleLeader() {
        LeaderHistory history = new LeaderHistory();
        history.leading("a", 10);
        history.leading("b", 12);
        history.leading("a", 10);

        history.assertOneLeaderPerEpoch();
        AssertionError error = assertThrows(AssertionError.class, history::assertEpochsIncrease);
        assertTrue(error.getMessage().contains("#3 a leads in epoch 10 after #2 b leads in epoch 12"),
                error::getMessage);
    }

    @Test
    void assertNoConcurrentLeaders_reportsALeaderThatDidNotStepDown() {
        LeaderHistory history = new LeaderHistory();
        history.leading("a", 10);
        history.leading("b", 12);

        history.assertSafe();
        AssertionError error = assertThrows(AssertionError.class, history::assertNoConcurrentLeaders);
        assertTrue(error.getMessage().contains("#2 b leads in epoch 12 while #1 a leads in epoch 10"),
                error::getMessage);
    }
}
