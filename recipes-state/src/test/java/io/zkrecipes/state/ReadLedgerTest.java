package io.zkrecipes.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cache's exactness bookkeeping, driven by hand through streams of events and replies as one
 * session delivers them (a change's notifications before any reply that reflects it).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReadLedgerTest {
    private final ReadLedger ledger = new ReadLedger();
    /** The trigger of the read in flight per key, as the cache keeps it (at most one per key). */
    private final Map<String, Long> inFlight = new HashMap<>();

    private void event(String key) {
        long at = ledger.event(key);
        if (!ledger.reading(key)) {
            ledger.readSent(key, at);
            inFlight.put(key, at);
        }
    }

    private List<CompletableFuture<Void>> reply(String key) {
        ledger.readReplied(key, inFlight.remove(key));
        return ledger.takeCovered();
    }

    @Test
    void writesToTwoKeysThatNeverPause_arePublishedAtEveryReplyAfterTheFirstPair() {
        event("a");
        event("b");
        assertNull(reply("a"), "b changed before this reply and is not read yet");
        for (int i = 0; i < 100; i++) {
            event("a"); // both keys change again between any two replies
            assertNotNull(reply("b"), "exact at the previous reply: nothing changed between it and a's new event");
            event("b");
            assertNotNull(reply("a"), "round " + i);
        }
    }

    @Test
    void aTransactionOfThreeKeys_isNeverPublishedInPart() {
        event("a");
        event("b");
        event("c"); // one multi: its notifications come together, before any later reply
        assertNull(reply("a"));
        assertNull(reply("b"));
        assertNotNull(reply("c"));
    }

    @Test
    void aTransactionArrivingBetweenTwoReplies_holdsPublicationUntilEachOfItsKeysIsRead() {
        event("x");
        event("a");
        event("b"); // a and b: one transaction, after x's change
        assertNull(reply("x"), "a and b changed before this reply");
        assertNull(reply("a"), "b is not read yet: publishing now would show half the transaction");
        assertNotNull(reply("b"));
    }

    @Test
    void eventsForAKeyWithAReadInFlight_areAnsweredByThatRead() {
        event("k");
        event("k");
        event("k");
        assertEquals(1, inFlight.size());
        assertNotNull(reply("k"));
        assertTrue(!ledger.reading("k"));
    }

    @Test
    void resync_publishesNothingUntilEveryReadOfItIsIn() {
        ledger.listingSent();
        ledger.listingReplied();
        ledger.readSent("a", ReadLedger.RESYNC);
        ledger.readSent("b", ReadLedger.RESYNC);
        ledger.readReplied("a", ReadLedger.RESYNC);
        assertNull(ledger.takeCovered());
        event("c");
        ledger.readReplied("b", ReadLedger.RESYNC);
        assertNotNull(ledger.takeCovered(), "exact at a's reply: b did not change since, c only after it");
        assertNotNull(reply("c"));
    }

    @Test
    void aResyncAfterEventsOfAnotherRead_waitsForThatReadToo() {
        event("x");
        ledger.listingSent();
        ledger.listingReplied();
        ledger.readSent("x", ReadLedger.RESYNC);
        ledger.readReplied("x", ReadLedger.RESYNC);
        assertNull(ledger.takeCovered(), "the event-triggered read of x is still in flight");
        assertNotNull(reply("x"));
    }

    @Test
    void barrier_isCoveredOnceEveryEventBeforeItIsAnswered() {
        event("k"); // a writer's own write: its event came before its reply
        CompletableFuture<Void> barrier = ledger.barrier();
        assertEquals(List.of(), ledger.takeCovered(), "the state before k's change is exact, but does not cover it");
        assertEquals(List.of(barrier), reply("k"));
        ledger.releaseBarriers(new IllegalStateException("unused"));
        CompletableFuture<Void> released = ledger.barrier();
        ledger.releaseBarriers(new IllegalStateException("stale"));
        assertTrue(released.isCompletedExceptionally());
    }
}
