package io.zkrecipes.naming;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One provider of a service: its id (unique within the service), where to reach it, and free
 * metadata (version, weight, zone...). Immutable; metadata is kept sorted by key.
 *
 * @param id       1 to 200 characters of letters, digits, {@code . _ : -}; the instance's node name
 * @param host     host name or address, not blank
 * @param port     1 to 65535
 * @param metadata string keys and values, copied; no nulls
 */
public record ServiceInstance(String id, String host, int port, Map<String, String> metadata) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._:-]{0,199}");

    /**
     * @throws NullPointerException     if an argument, a metadata key or a value is null
     * @throws IllegalArgumentException if the id, host or port breaks its rule
     */
    public ServiceInstance {
        requireName(id, "id");
        Objects.requireNonNull(host, "host");
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("host must be non-blank without whitespace, was '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535, was " + port);
        }
        Objects.requireNonNull(metadata, "metadata");
        TreeMap<String, String> copy = new TreeMap<>();
        metadata.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "metadata key"),
                Objects.requireNonNull(v, "metadata value of '" + k + "'")));
        metadata = Collections.unmodifiableMap(copy);
    }

    /** An instance without metadata. */
    public static ServiceInstance of(String id, String host, int port) {
        return new ServiceInstance(id, host, port, Map.of());
    }

    /** This instance with {@code newMetadata} instead of its metadata. */
    public ServiceInstance withMetadata(Map<String, String> newMetadata) {
        return new ServiceInstance(id, host, port, newMetadata);
    }

    /** {@code host:port}. */
    public String address() {
        return host + ":" + port;
    }

    /**
     * The rule for service names and instance ids (both are node names): 1 to 200 characters
     * from letters, digits and {@code . _ : -}, not starting with a dot or a dash.
     */
    static String requireName(String value, String argument) {
        Objects.requireNonNull(value, argument);
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(argument + " '" + value + "' must be 1 to 200 characters of letters,"
                    + " digits, '.', '_', ':' and '-', starting with a letter, a digit or '_'");
        }
        return value;
    }
}
