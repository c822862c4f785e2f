package io.zkrecipes.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Parses stored strings into typed values, with errors that name the key and the value. */
final class TypedValues {
    /** Reads the string stored at {@code key} as a value of one type. */
    @FunctionalInterface
    interface Parser<T> {
        /** @throws ConfigFormatException if {@code value} is not of the type */
        T parse(String key, String value);
    }

    private TypedValues() {
    }

    static int parseInt(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigFormatException(key, value, "an int", e);
        }
    }

    static long parseLong(String key, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigFormatException(key, value, "a long", e);
        }
    }

    static double parseDouble(String key, String value) {
        try {
            double d = Double.parseDouble(value.trim());
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException("not finite");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigFormatException(key, value, "a finite double", e);
        }
    }

    static boolean parseBoolean(String key, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("true")) {
            return true;
        }
        if (v.equals("false")) {
            return false;
        }
        throw new ConfigFormatException(key, value, "a boolean ('true' or 'false')", null);
    }

    /** ISO-8601 ({@code PT30S}) or a whole number with a unit: ms, s, m, h, d ({@code 500ms}, {@code 30s}). */
    static Duration parseDuration(String key, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        String expected = "a duration (like '500ms', '30s', '5m', '2h', '1d' or ISO-8601 'PT30S')";
        try {
            if (v.startsWith("p") || v.startsWith("-p")) {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            }
            int digits = 0;
            while (digits < v.length() && Character.isDigit(v.charAt(digits))) {
                digits++;
            }
            if (digits == 0) {
                throw new ConfigFormatException(key, value, expected, null);
            }
            long amount = Long.parseLong(v.substring(0, digits));
            switch (v.substring(digits).trim()) {
                case "ms": return Duration.ofMillis(amount);
                case "s": return Duration.ofSeconds(amount);
                case "m": return Duration.ofMinutes(amount);
                case "h": return Duration.ofHours(amount);
                case "d": return Duration.ofDays(amount);
                default: throw new ConfigFormatException(key, value, expected, null);
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            throw new ConfigFormatException(key, value, expected, e);
        }
    }
}
