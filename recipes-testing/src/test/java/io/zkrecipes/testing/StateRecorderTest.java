package io.zkrecipes.testing;

import static io.zkrecipes.core.ConnectionState.CONNECTED;
import static io.zkrecipes.core.ConnectionState.LOST;
import static io.zkrecipes.core.ConnectionState.RECONNECTED;
import static io.zkrecipes.core.ConnectionState.SUSPENDED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class StateRecorderTest {

    @Test
    void awaitStates_matchesInOrderWithOtherStatesBetween() {
        StateRecorder recorder = new StateRecorder();
        recorder.stateChanged(null, CONNECTED);
        recorder.stateChanged(null, SUSPENDED);
        recorder.stateChanged(null, LOST);
        recorder.stateChanged(null, RECONNECTED);

        recorder.awaitStates(Duration.ZERO, CONNECTED, LOST, RECONNECTED);
        assertEquals(List.of(CONNECTED, SUSPENDED, LOST, RECONNECTED), recorder.states());
    }

    @Test
    void awaitStates_failsWithTheRecordedStatesWhenTheOrderDiffers() {
        StateRecorder recorder = new StateRecorder();
        recorder.stateChanged(null, RECONNECTED);
        recorder.stateChanged(null, LOST);

        AssertionError error = assertThrows(AssertionError.class,
                () -> recorder.awaitStates(Duration.ofMillis(50), LOST, RECONNECTED));
        assertTrue(error.getMessage().contains("recorded [RECONNECTED, LOST]"), error::getMessage);
    }

    @Test
    void awaitState_wakesWhenTheStateArrivesFromAnotherThread() throws Exception {
        StateRecorder recorder = new StateRecorder();
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(
                () -> recorder.awaitState(SUSPENDED, Duration.ofSeconds(5)));

        recorder.stateChanged(null, SUSPENDED);

        waiter.get(5, TimeUnit.SECONDS);
    }
}
