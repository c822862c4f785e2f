package io.zkrecipes.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HoldHistoryTest {

    @Test
    void assertNoOverlap_acceptsHoldsOneAfterAnother() {
        HoldHistory history = new HoldHistory();
        history.acquired("a", 1);
        history.releasing("a");
        history.acquired("b", 2);
        history.releasing("b");

        history.assertNoOverlap();
        history.assertTokensIncrease();
        assertEquals(2, history.grants());
        assertEquals(1, history.maxConcurrent());
    }

    @Test
    void assertNoOverlap_reportsTwoHoldersAtOnce() {
        HoldHistory history = new HoldHistory();
        history.acquired("a", 1);
        history.acquired("b", 2);
        history.releasing("a");
        history.releasing("b");

        AssertionError error = assertThrows(AssertionError.class, history::assertNoOverlap);
        assertTrue(error.getMessage().contains("#2 b acquired token 2 while held by [a]"), error::getMessage);
        assertEquals(2, history.maxConcurrent());
        history.assertMaxConcurrent(2);
    }

    @Test
    void assertMaxConcurrent_reportsAReleaseWithoutAHold() {
        HoldHistory history = new HoldHistory();
        history.acquired("a");
        history.releasing("b");

        AssertionError error = assertThrows(AssertionError.class, () -> history.assertMaxConcurrent(3));
        assertTrue(error.getMessage().contains("#2 b releasing without holding"), error::getMessage);
    }

    @Test
    void assertMaxConcurrent_countsTwoLeasesOfOneHolderTwice() {
        HoldHistory history = new HoldHistory();
        history.acquired("a");
        history.acquired("a");
        history.acquired("b");

        history.assertMaxConcurrent(3);
        assertThrows(AssertionError.class, () -> history.assertMaxConcurrent(2));
    }

    @Test
    void assertTokensIncrease_reportsATokenGoingBackwards() {
        HoldHistory history = new HoldHistory();
        history.acquired("a", 5);
        history.releasing("a");
        history.acquired("b", 3);
        history.releasing("b");

        history.assertNoOverlap();
        AssertionError error = assertThrows(AssertionError.class, history::assertTokensIncrease);
        assertTrue(error.getMessage().contains("#3 b acquired token 3 does not exceed #1 a acquired token 5"),
                error::getMessage);
    }

    @Test
    void assertTokensIncrease_reportsARepeatedToken() {
        HoldHistory history = new HoldHistory();
        history.acquired("a", 7);
        history.releasing("a");
        history.acquired("b", 7);

        assertThrows(AssertionError.class, history::assertTokensIncrease);
    }

    @Test
    void threads_holdingARealLockInTurn_passBothChecks() throws Exception {
        HoldHistory history = new HoldHistory();
        ReentrantLock lock = new ReentrantLock();
        AtomicLong tokens = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(new Thread(() -> {
                for (int i = 0; i < 200; i++) {
                    lock.lock();
                    history.acquired(tokens.incrementAndGet());
                    history.releasing();
                    lock.unlock();
                }
            }, "holder-" + t));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }

        history.assertNoOverlap();
        history.assertTokensIncrease();
        assertEquals(800, history.grants());
    }
}
