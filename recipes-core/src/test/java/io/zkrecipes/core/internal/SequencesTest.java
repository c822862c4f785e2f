package io.zkrecipes.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SequencesTest {

    @Test
    void sequence_readsSuffixAfterLastUnderscore() {
        assertEquals(7, Sequences.sequence("lock-3f2a-11_0000000007"));
        assertEquals(-1, Sequences.sequence("no-sequence"));
        assertEquals(-1, Sequences.sequence("trailing_"));
        assertEquals(-1, Sequences.sequence("letters_00000000x1"));
    }

    @Test
    void sequence_readsWrappedCounterAsUnsigned() {
        // ZooKeeper prints the signed 32-bit counter with %010d: negative after 2^31 creates.
        assertEquals(2_147_483_648L, Sequences.sequence("m_-2147483648"));
        assertEquals(4_294_967_295L, Sequences.sequence("m_-000000001"));
    }

    @Test
    void sorted_ordersAcrossTheWrapAndDropsForeignNames() {
        List<String> names = List.of("a_-2147483647", "b_2147483647", "readme", "c_0000000003", "d_-2147483648");
        assertEquals(List.of("c_0000000003", "b_2147483647", "d_-2147483648", "a_-2147483647"),
                Sequences.sorted(names));
    }
}
