package io.zkrecipes.naming;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * An instance's node data: Java properties text, ASCII only, readable with any properties parser.
 * <pre>
 * id=orders-1
 * host=10.0.0.7
 * port=8080
 * meta.version=2.1
 * </pre>
 */
final class InstanceCodec {
    private static final String META = "meta.";

    private InstanceCodec() {
    }

    static byte[] encode(ServiceInstance instance) {
        StringBuilder out = new StringBuilder();
        line(out, "id", instance.id());
        line(out, "host", instance.host());
        line(out, "port", Integer.toString(instance.port()));
        instance.metadata().forEach((k, v) -> line(out, META + k, v));
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param id the instance's node name, which wins over any id in the data
     * @throws IllegalArgumentException if the data is not an instance
     */
    static ServiceInstance decode(String id, byte[] data) {
        Properties props = new Properties();
        try {
            props.load(new StringReader(new String(data, StandardCharsets.ISO_8859_1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> metadata = new TreeMap<>();
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith(META)) {
                metadata.put(key.substring(META.length()), props.getProperty(key));
            }
        }
        String port = props.getProperty("port", "");
        try {
            return new ServiceInstance(id, props.getProperty("host", ""), Integer.parseInt(port), metadata);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("instance " + id + " has port '" + port + "', not a number", e);
        }
    }

    private static void line(StringBuilder out, String key, String value) {
        escape(out, key);
        out.append('=');
        escape(out, value);
        out.append('\n');
    }

    private static void escape(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\', '=', ':', '#', '!', ' ' -> out.append('\\').append(c);
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }
}
