package io.zkrecipes.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(30)
class ConfigStoreTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    private ConfigStore store() {
        return zk.closeAfterTest(ConfigStore.create(zk.newClient(), "/config/app"));
    }

    @Test
    void putGetRemove_roundTrip() throws Exception {
        ConfigStore store = store();
        assertEquals(Optional.empty(), store.get("missing"));
        assertEquals(0, store.put("name", "orders"));
        assertEquals(1, store.put("name", "orders-v2"));
        assertEquals(Optional.of("orders-v2"), store.get("name"));
        assertEquals(1, store.entry("name").orElseThrow().version());
        assertTrue(store.remove("name"));
        assertFalse(store.remove("name"));
        assertEquals(Optional.empty(), store.get("name"));
    }

    @Test
    void putBytes_getBytes_keepRawBytesWithAndWithoutACache() throws Exception {
        ConfigStore store = store();
        byte[] raw = {(byte) 0xff, 0, (byte) 0xc3, 0x28, 7};
        assertEquals(0, store.putBytes("blob", raw));
        assertArrayEquals(raw, store.getBytes("blob").orElseThrow());
        assertEquals(Optional.empty(), store.getBytes("missing"));
        store.subscribe(u -> { });
        assertArrayEquals(raw, store.getBytes("blob").orElseThrow());
        byte[] copy = store.getBytes("blob").orElseThrow();
        copy[0] = 1; // a copy: changing it changes nothing stored
        assertArrayEquals(raw, store.getBytes("blob").orElseThrow());
        assertEquals(1, store.putBytes("blob", new byte[0]));
        assertArrayEquals(new byte[0], store.getBytes("blob").orElseThrow());
        assertEquals(Optional.of(""), store.get("blob"));
    }

    @Test
    void putAll_writesEveryKeyAndSnapshotReadsThemBack() throws Exception {
        ConfigStore store = store();
        store.put("a", "0");
        store.putAll(Map.of("a", "1", "b", "2", "c", "héllo"));
        assertEquals(Map.of("a", "1", "b", "2", "c", "héllo"), store.snapshot());
        store.putAll(Map.of());
    }

    @Test
    void compareAndSet_followsTheVersion() throws Exception {
        ConfigStore store = store();
        assertTrue(store.compareAndSet("k", ConfigStore.ABSENT, "1"));
        assertFalse(store.compareAndSet("k", ConfigStore.ABSENT, "2"));
        assertTrue(store.compareAndSet("k", 0, "2"));
        assertFalse(store.compareAndSet("k", 0, "3"));
        assertFalse(store.compareAndSet("absent", 0, "3"));
        assertEquals(Optional.of("2"), store.get("k"));
    }

    @Test
    void typedReads_parseOrDefault() throws Exception {
        ConfigStore store = store();
        store.putAll(Map.of("i", " 42", "l", "9000000000", "b", "TRUE", "d", "0.5", "t1", "250ms",
                "t2", "PT30S", "t3", "2h"));
        assertEquals(42, store.getInt("i", 0));
        assertEquals(9_000_000_000L, store.getLong("l", 0));
        assertTrue(store.getBoolean("b", false));
        assertEquals(0.5, store.getDouble("d", 0), 0.0);
        assertEquals(Duration.ofMillis(250), store.getDuration("t1", Duration.ZERO));
        assertEquals(Duration.ofSeconds(30), store.getDuration("t2", Duration.ZERO));
        assertEquals(Duration.ofHours(2), store.getDuration("t3", Duration.ZERO));
        assertEquals(7, store.getInt("absent", 7));
        assertEquals(Duration.ofSeconds(1), store.getDuration("absent", Duration.ofSeconds(1)));
    }

    @Test
    void typedReads_malformedValuesNameKeyAndValue() throws Exception {
        ConfigStore store = store();
        store.putAll(Map.of("n", "abc", "b", "yes", "t", "10 parsecs", "d", "NaN"));
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> store.getInt("n", 0));
        assertEquals("n", e.key());
        assertTrue(e.getMessage().contains("'abc'") && e.getMessage().contains("an int"), e.getMessage());
        assertThrows(ConfigFormatException.class, () -> store.getLong("n", 0));
        assertThrows(ConfigFormatException.class, () -> store.getBoolean("b", false));
        assertThrows(ConfigFormatException.class, () -> store.getDuration("t", Duration.ZERO));
        assertThrows(ConfigFormatException.class, () -> store.getDouble("d", 0));
    }

    @Test
    void properties_importAtomicallyAndExportSorted() throws Exception {
        ConfigStore store = store();
        store.put("keep", "x");
        store.importProperties(new StringReader("# comment\nb = 2\na=1\nurl=http\\://h:80/p\n"));
        assertEquals(Map.of("a", "1", "b", "2", "url", "http://h:80/p", "keep", "x"), store.snapshot());
        StringWriter out = new StringWriter();
        store.exportProperties(out);
        String text = out.toString();
        assertTrue(text.indexOf("a=1") < text.indexOf("b=2") && text.indexOf("b=2") < text.indexOf("keep=x"), text);
        ConfigStore other = ConfigStore.create(zk.newClient(), "/config/copy");
        other.importProperties(new StringReader(text));
        assertEquals(store.snapshot(), other.snapshot());
        other.close();
    }

    @Test
    void badInput_rejectedBeforeAnythingIsSent() throws Exception {
        ZkClient client = zk.newClient();
        ConfigStore store = zk.closeAfterTest(ConfigStore.create(client, "/config/app"));
        for (String bad : new String[] {"", "a/b", ".", "..", "/x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.put(bad, "v"));
            assertTrue(e.getMessage().contains("key"), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> store.put(null, "v"));
        assertThrows(NullPointerException.class, () -> store.put("k", null));
        assertThrows(NullPointerException.class, () -> store.putAll(null));
        java.util.HashMap<String, String> withNull = new java.util.HashMap<>();
        withNull.put("k", null);
        assertThrows(NullPointerException.class, () -> store.putAll(withNull));
        assertThrows(IllegalArgumentException.class, () -> store.putAll(Map.of("ok", "1", "a/b", "2")));
        String huge = "x".repeat(client.maxDataBytes() + 1);
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class, () -> store.put("k", huge));
        assertTrue(tooBig.getMessage().contains("over the limit"), tooBig.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.compareAndSet("k", -2, "v"));
        assertThrows(NullPointerException.class, () -> store.subscribe(null));
        assertThrows(IllegalArgumentException.class, () -> ConfigStore.create(client, "/"));
        assertThrows(IllegalArgumentException.class, () -> ConfigStore.create(client, "no-slash"));
        assertThrows(NullPointerException.class, () -> ConfigStore.create(null, "/c"));
        assertEquals(Map.of(), store.snapshot()); // nothing was written
    }

    @Test
    void useAfterClose_throwsIllegalState() throws Exception {
        ConfigStore store = store();
        store.put("k", "v");
        store.close();
        store.close();
        assertThrows(IllegalStateException.class, () -> store.put("k", "v"));
        assertThrows(IllegalStateException.class, () -> store.get("k"));
        assertThrows(IllegalStateException.class, () -> store.snapshot());
        assertThrows(IllegalStateException.class, () -> store.putAll(Map.of("a", "b")));
        assertThrows(IllegalStateException.class, () -> store.remove("k"));
        assertThrows(IllegalStateException.class, () -> store.subscribe(u -> { }));
        assertThrows(IllegalStateException.class, () -> store.getInt("k", 0));
        assertThrows(IllegalStateException.class, () -> store.getBytes("k"));
        assertThrows(IllegalStateException.class, () -> store.putBytes("k", new byte[0]));
    }
}
