package io.zkrecipes.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceCodecTest {
    @Test
    void roundTrip_keepsAwkwardMetadata() {
        ServiceInstance instance = new ServiceInstance("orders-1", "10.0.0.7", 8080, Map.of(
                "path", "/api/v1", "eq=key", "a:b#c!d", "spaces", "  two  ", "lines", "x\ny\r\tz",
                "unicode", "café ✓", "empty", ""));
        byte[] data = InstanceCodec.encode(instance);
        assertEquals(instance, InstanceCodec.decode("orders-1", data));
        for (byte b : data) {
            assertEquals(true, b >= 0, "ASCII only");
        }
    }

    @Test
    void decode_nodeNameWinsAndBadDataRejected() {
        byte[] data = InstanceCodec.encode(ServiceInstance.of("x", "h", 1));
        assertEquals("y", InstanceCodec.decode("y", data).id());
        assertThrows(IllegalArgumentException.class,
                () -> InstanceCodec.decode("y", "host=h\nport=http\n".getBytes(StandardCharsets.US_ASCII)));
        assertThrows(IllegalArgumentException.class,
                () -> InstanceCodec.decode("y", "port=80\n".getBytes(StandardCharsets.US_ASCII)));
    }
}
