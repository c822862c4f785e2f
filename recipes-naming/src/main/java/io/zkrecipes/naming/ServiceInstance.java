package io.zkrecipes.naming;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

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
    /**
     * @throws NullPointerException     if an argument, a metadata key or a value is null
     * @throws IllegalArgumentException if the id, host or port breaks its rule
     */
    public ServiceInstance {
        Names.checkName(id, "id");
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
}
