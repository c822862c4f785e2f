package io.zkrecipes.queue;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** The serializers behind {@link Serializer#bytes()} and {@link Serializer#utf8()}. */
final class BuiltinSerializers {
    static final Serializer<byte[]> BYTES = new Serializer<>() {
        @Override
        public byte[] serialize(byte[] item) {
            return Objects.requireNonNull(item, "item");
        }

        @Override
        public byte[] deserialize(byte[] data) {
            return data;
        }
    };

    static final Serializer<String> UTF8 = new Serializer<>() {
        @Override
        public byte[] serialize(String item) {
            return Objects.requireNonNull(item, "item").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String deserialize(byte[] data) {
            return new String(data, StandardCharsets.UTF_8);
        }
    };

    private BuiltinSerializers() {
    }
}
