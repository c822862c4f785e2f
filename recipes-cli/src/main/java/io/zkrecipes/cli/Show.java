package io.zkrecipes.cli;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/** How values look, in the human output and in the JSON: sessions, ages, node data. */
final class Show {
    private static final int PREVIEW_CHARS = 60;

    private Show() {
    }

    /**
     * Node data for the JSON output: the text when it is UTF-8 without control characters,
     * else the bytes in base64 ({@code encoding} says which).
     */
    record Data(int bytes, String encoding, String value) {
        static Data of(byte[] data) {
            return text(data).map(t -> new Data(data.length, "utf-8", t))
                    .orElseGet(() -> new Data(data.length, "base64", Base64.getEncoder().encodeToString(data)));
        }
    }

    /** A session id as ZooKeeper prints it. */
    static String session(long id) {
        return "0x" + Long.toHexString(id);
    }

    /** How long ago {@code since} was, in milliseconds (0 if the clocks disagree). */
    static long ageMillis(Instant since, Instant now) {
        return Math.max(0, Duration.between(since, now).toMillis());
    }

    /** {@code 850 ms}, {@code 12.3 s}, {@code 4 min 12 s}, {@code 2 h 3 min}, {@code 3 d 4 h}. */
    static String age(long millis) {
        if (millis < 1_000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format("%.1f s", millis / 1000.0);
        }
        long s = millis / 1000;
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        if (s < 86_400) {
            return s / 3600 + " h " + s % 3600 / 60 + " min";
        }
        return s / 86_400 + " d " + s % 86_400 / 3600 + " h";
    }

    /** The data as short text for a person: quoted text, cut at 60 characters, or its size. */
    static String preview(Data data) {
        if (data.bytes() == 0) {
            return "(empty)";
        }
        if (!data.encoding().equals("utf-8")) {
            return "(" + data.bytes() + " bytes of binary data)";
        }
        String line = data.value().replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        return line.length() <= PREVIEW_CHARS ? "\"" + line + "\"" : "\"" + line.substring(0, PREVIEW_CHARS) + "\"...";
    }

    /** The data as text if it is valid UTF-8 without control characters other than tab and line ends. */
    static Optional<String> text(byte[] data) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
        boolean plain = text.chars().allMatch(c -> c >= 0x20 || c == '\t' || c == '\n' || c == '\r');
        return plain ? Optional.of(text) : Optional.empty();
    }

    /** One {@code label value} line, labels aligned in a column of {@code width}. */
    static void field(PrintWriter out, String indent, int width, String label, Object value) {
        out.printf("%s%-" + width + "s %s%n", indent, label, value);
    }
}
