package io.zkrecipes.election;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a participant's node holds: its id in UTF-8 and, when it published data, a NUL byte and the
 * data. A participant without data thus stores exactly its id.
 */
final class NodeContent {
    private NodeContent() {
    }

    /** Checks {@code id}: non-null, non-empty, no NUL character. */
    static String checkId(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty() || id.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("id must be non-empty and contain no NUL character, was '" + id + "'");
        }
        return id;
    }

    /** Checks {@code data}: non-null, and with the id within {@code maxBytes}; returns it. */
    static byte[] checkData(String id, byte[] data, int maxBytes) {
        Objects.requireNonNull(data, "data");
        int size = encode(id, data).length;
        if (size > maxBytes) {
            throw new IllegalArgumentException("data with the id is " + size + " bytes, over the limit of "
                    + maxBytes + " bytes");
        }
        return data;
    }

    static byte[] encode(String id, byte[] data) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        if (data.length == 0) {
            return idBytes;
        }
        byte[] all = Arrays.copyOf(idBytes, idBytes.length + 1 + data.length);
        System.arraycopy(data, 0, all, idBytes.length + 1, data.length);
        return all;
    }

    static Participant decode(byte[] content, String node, long epoch) {
        byte[] bytes = content == null ? new byte[0] : content;
        int nul = 0;
        while (nul < bytes.length && bytes[nul] != 0) {
            nul++;
        }
        String id = new String(bytes, 0, nul, StandardCharsets.UTF_8);
        byte[] data = nul < bytes.length ? Arrays.copyOfRange(bytes, nul + 1, bytes.length) : new byte[0];
        return new Participant(id, data, node, epoch);
    }
}
