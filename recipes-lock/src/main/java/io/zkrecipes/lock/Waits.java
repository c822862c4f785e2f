package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import java.time.Duration;

/** Deadline helpers. */
final class Waits {
    /** Far enough to mean "no deadline", near enough not to overflow {@link System#nanoTime()} sums. */
    static final long FOREVER = Long.MAX_VALUE / 4;

    private Waits() {
    }

    static long deadlineAfter(Duration timeout) {
        long now = System.nanoTime();
        return timeout.compareTo(Duration.ofDays(365)) > 0 ? now + FOREVER : now + timeout.toNanos();
    }

    static boolean passed(long deadlineNanos) {
        return deadlineNanos - System.nanoTime() <= 0;
    }

    /** Waits for the client to be connected; {@code false} at the deadline or once it is closed. */
    static boolean awaitConnected(ZkClient client, long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (client.isClosed()) {
            return false;
        }
        return client.isConnected() || (left > 0 && client.awaitConnected(Duration.ofNanos(left)));
    }
}
