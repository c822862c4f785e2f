package io.zkrecipes.cli;

/**
 * Why a command could not answer, with the exit code that tells a script which case it is and a
 * message for a person. The codes are listed in {@link Zkr}'s help and in docs/inspector.md.
 */
final class Failure extends RuntimeException {
    /** The recipe was found and explained. */
    static final int FOUND = 0;
    /** No node at the path, or the node is not a recipe of the kind asked for. */
    static final int NOT_FOUND = 1;
    /** Bad command line (picocli's own code for it). */
    static final int USAGE = 2;
    /** No server could be reached, or the connection broke, within the timeout. */
    static final int UNREACHABLE = 3;
    /** A server refused a read (no permission) or failed in another way. */
    static final int REFUSED = 4;

    private final int exitCode;

    private Failure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    static Failure noNode(String path) {
        return new Failure(NOT_FOUND, "no node at " + path);
    }

    /** The node exists but its layout is not that of {@code kind}. */
    static Failure notA(String kind, String path, String why) {
        return new Failure(NOT_FOUND, path + " is not " + kind + ": " + why);
    }

    static Failure usage(String message) {
        return new Failure(USAGE, message);
    }

    static Failure unreachable(String message) {
        return new Failure(UNREACHABLE, message);
    }

    static Failure refused(String message) {
        return new Failure(REFUSED, message);
    }

    int exitCode() {
        return exitCode;
    }
}
