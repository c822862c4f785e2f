package io.zkrecipes.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class BlockRuleTest {

    @Test
    void exclusive_blockedByNearestAhead() {
        BlockRule rule = BlockRule.exclusive();
        assertNull(rule.nearestBlocker("me_3", List.of()));
        assertEquals("b_2", rule.nearestBlocker("me_3", List.of("a_1", "b_2")));
    }

    @Test
    void readWrite_readersShareWritersExclude() {
        BlockRule rule = BlockRule.readWrite("read-");
        List<String> readersAhead = List.of("read-x_1", "read-y_2");
        assertNull(rule.nearestBlocker("read-z_3", readersAhead));
        assertEquals("read-y_2", rule.nearestBlocker("write-z_3", readersAhead));
        // a waiting writer ahead blocks a later reader, so writers are not starved
        assertEquals("write-w_2", rule.nearestBlocker("read-z_4", List.of("read-x_1", "write-w_2", "read-y_3")));
    }
}
