package io.zkrecipes.campaign;

/**
 * One fault of a schedule: its kind, what it targets (a server index, a worker index, or -1 for
 * "the worker that holds the lock then"), when it starts after the campaign's start and how long
 * it lasts.
 */
record Fault(Kind kind, int target, int secondTarget, long atMillis, long lengthMillis) {

    enum Kind {
        KILL_SERVER("kill one server"),
        KILL_TWO_SERVERS("kill two servers (quorum loss)"),
        CUT_SHORT("cut a worker's connection, shorter than its session timeout"),
        CUT_LONG("cut a worker's connection, longer than its session timeout"),
        DROP_REPLIES("drop replies to a worker"),
        PAUSE("pause a worker (SIGSTOP), longer than its session timeout"),
        PAUSE_HOLDER("pause the lock holder (SIGSTOP), longer than its session timeout");

        final String description;

        Kind(String description) {
            this.description = description;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        boolean onServers() {
            return this == KILL_SERVER || this == KILL_TWO_SERVERS;
        }
    }

    long endMillis() {
        return atMillis + lengthMillis;
    }
}
