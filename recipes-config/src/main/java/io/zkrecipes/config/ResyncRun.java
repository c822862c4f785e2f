package io.zkrecipes.config;

import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;

/**
 * One full re-read of the root: {@link #done} completes when the listing and every read it caused
 * have been applied. Not thread-safe: guarded by the cache's lock.
 */
final class ResyncRun {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private int outstanding = 1; // the listing
    private Throwable failure;

    /** One more read belongs to this run. */
    void readSent() {
        outstanding++;
    }

    /** Keeps the first failure of the run. */
    void failed(Throwable t) {
        if (failure == null) {
            failure = t;
        }
    }

    /** Counts one reply applied; returns whether it was the last one of the run. */
    boolean lastReplied() {
        return --outstanding <= 0;
    }

    boolean succeeded() {
        return failure == null;
    }

    /** Completes {@link #done}, normally or with the first failure. */
    void complete() {
        if (failure == null) {
            done.complete(null);
        } else {
            done.completeExceptionally(failure);
        }
    }

    /** A read of a stopped cache or of an expired session: whoever waits on it must try again. */
    static void abandon(ResyncRun run) {
        if (run != null) {
            run.done.completeExceptionally(KeeperException.create(Code.CONNECTIONLOSS));
        }
    }
}
