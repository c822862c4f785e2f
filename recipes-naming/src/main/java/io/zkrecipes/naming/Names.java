package io.zkrecipes.naming;

import io.zkrecipes.core.ZkClient;
import java.util.Objects;
import java.util.regex.Pattern;

/** Argument rules shared by the naming recipes; messages name the argument and the rule. */
final class Names {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._:-]{0,199}");

    private Names() {
    }

    /**
     * A service name, instance id or member id: 1 to 200 characters from letters, digits and
     * {@code . _ : -}, not starting with a dot or a dash.
     */
    static String checkName(String value, String argument) {
        Objects.requireNonNull(value, argument);
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(argument + " '" + value + "' must be 1 to 200 characters of letters,"
                    + " digits, '.', '_', ':' and '-', starting with a letter, a digit or '_'");
        }
        return value;
    }

    /** Node data that this client can write. */
    static byte[] checkData(ZkClient client, byte[] data, String argument) {
        Objects.requireNonNull(data, argument);
        if (data.length > client.maxDataBytes()) {
            throw new IllegalArgumentException(argument + " is " + data.length + " bytes, over the limit of "
                    + client.maxDataBytes() + " bytes");
        }
        return data;
    }

    /** A client that is not closed. */
    static ZkClient checkClient(ZkClient client) {
        Objects.requireNonNull(client, "client");
        if (client.isClosed()) {
            throw new IllegalStateException("client is closed");
        }
        return client;
    }
}
