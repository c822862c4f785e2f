package io.zkrecipes.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Command-line arguments shared by every example: {@code [name...] [--connect host:port,...]}. */
record Args(String connect, List<String> names) {

    static final String USAGE = "usage: [example...] [--connect host:port,host:port,...]";

    /**
     * Parses {@code args}.
     *
     * @throws IllegalArgumentException if {@code --connect} has no value or an option is unknown
     */
    static Args parse(String[] args) {
        Objects.requireNonNull(args, "args");
        String connect = null;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--connect")) {
                if (i + 1 >= args.length || args[i + 1].isBlank()) {
                    throw new IllegalArgumentException("--connect needs host:port[,host:port...]; " + USAGE);
                }
                connect = args[++i];
            } else if (a.startsWith("--connect=")) {
                connect = a.substring("--connect=".length());
            } else if (a.startsWith("-")) {
                throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
            } else if (!a.isBlank()) {
                names.add(a);
            }
        }
        return new Args(connect, List.copyOf(names));
    }
}
