package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Deadline;

/** The ZooKeeper side of a lock kind: waits for a grant and knows how to give it back. */
interface Grantor {

    /** A granted hold: the holder's node, its fencing token, its session, and how to release it. */
    record Claim(String nodePath, long token, long sessionId, Runnable releaser) {
    }

    /**
     * Waits until the lock is granted or the deadline passes, leaving nothing behind on timeout,
     * interrupt or failure.
     *
     * @param tryOnly give up as soon as another holder is seen
     * @return the claim, or {@code null} at the deadline (or when a try finds the lock taken)
     * @throws io.zkrecipes.core.ZkRecipeException if ZooKeeper fails the acquire
     * @throws IllegalStateException               if the client is closed
     */
    Claim acquire(Deadline deadline, boolean tryOnly) throws InterruptedException;
}
