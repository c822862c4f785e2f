package io.zkrecipes.naming;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The id counter's data: the next free id in decimal, then a space and the token of the lease
 * that wrote it ({@code "1001 9f2c..."}). A counter written by hand as a bare number is accepted.
 */
record CounterValue(long next, String token) {
    private static final SecureRandom RANDOM = new SecureRandom();

    static String newToken() {
        return Long.toHexString(RANDOM.nextLong()) + Long.toHexString(RANDOM.nextLong());
    }

    byte[] encode() {
        String text = token.isEmpty() ? Long.toString(next) : next + " " + token;
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @throws IllegalStateException if the data is not a counter value
     */
    static CounterValue parse(byte[] data, String path) {
        String text = data == null ? "" : new String(data, StandardCharsets.US_ASCII).trim();
        int space = text.indexOf(' ');
        String number = space < 0 ? text : text.substring(0, space);
        try {
            long next = Long.parseLong(number);
            if (next < 1) {
                throw new IllegalStateException("id counter " + path + " holds " + next + ", not a positive id");
            }
            return new CounterValue(next, space < 0 ? "" : text.substring(space + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("id counter " + path + " holds '" + text + "', not '<next id> [token]'", e);
        }
    }
}
