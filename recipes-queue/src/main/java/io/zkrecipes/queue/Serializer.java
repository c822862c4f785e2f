package io.zkrecipes.queue;

/**
 * Turns queue items into node data and back. Implementations must be thread-safe and must
 * round-trip: {@code deserialize(serialize(x))} equals {@code x}. {@link #serialize} must not
 * return {@code null}.
 *
 * @param <T> the item type
 */
public interface Serializer<T> {
    /** The bytes stored for {@code item}; never {@code null}. */
    byte[] serialize(T item);

    /** The item stored as {@code data}. */
    T deserialize(byte[] data);

    /** Items that are byte arrays, stored as they are (the array is not copied). */
    static Serializer<byte[]> bytes() {
        return BuiltinSerializers.BYTES;
    }

    /** Strings stored as UTF-8. */
    static Serializer<String> utf8() {
        return BuiltinSerializers.UTF8;
    }
}
