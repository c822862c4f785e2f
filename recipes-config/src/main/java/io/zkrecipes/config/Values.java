package io.zkrecipes.config;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Argument checks and small conversions of the store, with messages naming the argument and rule. */
final class Values {
    private static final Logger log = LoggerFactory.getLogger(Values.class);

    /** Parses a stored string as a typed value. */
    interface Parser<T> {
        T parse(String key, String value);
    }

    private Values() {
    }

    static String checkKey(String key) {
        return ZkPaths.validateSegment(key, "key");
    }

    static byte[] encode(String value) {
        return Objects.requireNonNull(value, "value").getBytes(StandardCharsets.UTF_8);
    }

    static void checkSize(ZkClient client, String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        if (value.length > client.maxDataBytes()) {
            throw new IllegalArgumentException("value of key '" + key + "' is " + value.length
                    + " bytes, over the limit of " + client.maxDataBytes() + " bytes (jute.maxbuffer less room"
                    + " for the request header)");
        }
    }

    /** Checks every key and value of a putAll, and that the whole transaction fits in one request. */
    static Map<String, byte[]> encodeAll(ZkClient client, Map<String, String> values) {
        Objects.requireNonNull(values, "values");
        Map<String, byte[]> encoded = new HashMap<>();
        long total = 0;
        for (Map.Entry<String, String> e : values.entrySet()) {
            checkKey(e.getKey());
            byte[] data = Objects.requireNonNull(e.getValue(), "value of key '" + e.getKey() + "'")
                    .getBytes(StandardCharsets.UTF_8);
            checkSize(client, e.getKey(), data);
            total += data.length + e.getKey().length() + 64; // path and per-operation overhead
            encoded.put(e.getKey(), data);
        }
        if (total > client.maxDataBytes()) {
            throw new IllegalArgumentException("values add up to about " + total + " bytes, over the limit of "
                    + client.maxDataBytes() + " bytes for one transaction; split them");
        }
        return encoded;
    }

    static Map<String, String> valuesOf(Map<String, ConfigEntry> entries) {
        Map<String, String> values = new HashMap<>(entries.size() * 2);
        entries.forEach((k, e) -> values.put(k, e.value()));
        return Map.copyOf(values);
    }

    /** Waits at most {@code timeout}; a failure or timeout is only logged ({@code what} failed). */
    static void awaitQuietly(CompletableFuture<Void> future, Duration timeout, String what)
            throws InterruptedException {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            log.debug("Could not {}: {}", what, e.getCause().toString());
        } catch (TimeoutException e) {
            log.debug("Could not {} within {}", what, timeout);
        }
    }
}
