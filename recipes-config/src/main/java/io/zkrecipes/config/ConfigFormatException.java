package io.zkrecipes.config;

/** A stored value cannot be read as the type asked for (for instance {@code "abc"} as an int). */
public final class ConfigFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final String value;

    ConfigFormatException(String key, String value, String expected, Throwable cause) {
        super("config key '" + key + "' has value '" + value + "', which is not " + expected, cause);
        this.key = key;
        this.value = value;
    }

    /** The key whose value is malformed. */
    public String key() {
        return key;
    }

    /** The malformed value. */
    public String value() {
        return value;
    }
}
