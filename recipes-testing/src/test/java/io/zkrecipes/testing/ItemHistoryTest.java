package io.zkrecipes.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ItemHistoryTest {

    @Test
    void assertEachTakenExactlyOnce_acceptsOneTakePerItem() {
        ItemHistory<String> history = new ItemHistory<>();
        history.produced("x");
        history.produced("y");
        history.taken("y", "c1");
        assertFalse(history.allTaken());
        history.taken("x", "c2");

        assertTrue(history.allTaken());
        history.assertEachTakenExactlyOnce();
        assertEquals(2, history.takenCount());
    }

    @Test
    void assertEachTakenExactlyOnce_namesDuplicatesWithTheirTakers() {
        ItemHistory<String> history = new ItemHistory<>();
        history.produced("x");
        history.taken("x", "c1");
        history.taken("x", "c2");

        AssertionError error = assertThrows(AssertionError.class, history::assertEachTakenExactlyOnce);
        assertTrue(error.getMessage().contains("taken 2 times: x by [c1, c2]"), error::getMessage);
        history.assertEachTakenAtLeastOnce();
    }

    @Test
    void assertEachTakenAtLeastOnce_namesMissingAndUnknownItems() {
        ItemHistory<Integer> history = new ItemHistory<>();
        history.produced(1);
        history.produced(2);
        history.taken(3, "c1");

        AssertionError error = assertThrows(AssertionError.class, history::assertEachTakenAtLeastOnce);
        assertTrue(error.getMessage().contains("never taken (2): [1, 2]"), error::getMessage);
        assertTrue(error.getMessage().contains("taken but never produced: 3 by [c1]"), error::getMessage);
    }

    @Test
    void produced_twice_isReported() {
        ItemHistory<String> history = new ItemHistory<>();
        history.produced("x");
        history.produced("x");
        history.taken("x", "c1");

        AssertionError error = assertThrows(AssertionError.class, history::assertEachTakenExactlyOnce);
        assertTrue(error.getMessage().contains("produced twice: x"), error::getMessage);
    }
}
