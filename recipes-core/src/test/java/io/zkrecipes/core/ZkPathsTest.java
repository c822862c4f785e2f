package io.zkrecipes.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ZkPathsTest {

    @Test
    void validate_rejectsBadPathsNamingTheArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ZkPaths.validate("no-slash", "lockPath"));
        assertTrue(e.getMessage().startsWith("lockPath 'no-slash'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ZkPaths.validate("/a/", "p"));
        assertThrows(IllegalArgumentException.class, () -> ZkPaths.validate("/a//b", "p"));
        assertThrows(IllegalArgumentException.class, () -> ZkPaths.validate("/a/./b", "p"));
        NullPointerException npe = assertThrows(NullPointerException.class, () -> ZkPaths.validate(null, "lockPath"));
        assertEquals("lockPath", npe.getMessage());
        assertEquals("/a/b", ZkPaths.validate("/a/b", "p"));
    }

    @Test
    void validateSegment_rejectsSlashDotsAndEmpty() {
        for (String bad : new String[] {"", "a/b", ".", ".."}) {
            assertThrows(IllegalArgumentException.class, () -> ZkPaths.validateSegment(bad, "key"), bad);
        }
        assertEquals("timeout.ms", ZkPaths.validateSegment("timeout.ms", "key"));
    }

    @Test
    void joinParentAndName() {
        assertEquals("/a", ZkPaths.join("/", "a"));
        assertEquals("/a/b", ZkPaths.join("/a", "b"));
        assertEquals("/", ZkPaths.parent("/a"));
        assertEquals("/a", ZkPaths.parent("/a/b"));
        assertEquals("b", ZkPaths.name("/a/b"));
    }

    @Test
    void isAtOrBelow_respectsSegmentBoundaries() {
        assertTrue(ZkPaths.isAtOrBelow("/a/b", "/a"));
        assertTrue(ZkPaths.isAtOrBelow("/a", "/a"));
        assertTrue(ZkPaths.isAtOrBelow("/x", "/"));
        assertFalse(ZkPaths.isAtOrBelow("/ab", "/a"));
    }
}
