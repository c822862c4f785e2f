package io.zkrecipes.barrier;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.KeeperException;

/**
 * The loop both phases of a double barrier share: try a step, then wait for a change or for the
 * connection, until the phase is done or the caller's deadline passes.
 */
final class PhaseLoop {
    /** What a phase's attempt found. */
    enum Step { DONE, WAIT, RETRY, RECONNECT }

    /** One phase of a round (entering or leaving). */
    interface Phase {
        /** One look at the round; may wait for replies until {@code deadline}. */
        Step attempt(long deadline) throws KeeperException, InterruptedException, TimeoutException;

        /** At the deadline: withdraw, returning whether the phase completed after all. */
        boolean giveUp() throws InterruptedException;

        /** After an interrupt or failure: withdraw without waiting. */
        void abandon();

        /** What the phase does, for error messages, like "enter double barrier /b (round 3)". */
        String describe();
    }

    private PhaseLoop() {
    }

    /** Runs {@code phase} until done ({@code true}) or the deadline ({@code false}, withdrawn). */
    static boolean run(Phase phase, ZkClient client, Wakeup wakeup, String path, long deadline)
            throws InterruptedException {
        // the first replies may outlast a tiny timeout, so that a zero timeout still tries once
        long replyDeadline = Math.max(deadline, System.nanoTime() + Replies.GRACE_NANOS);
        try {
            while (true) {
                DoubleBarrier.requireOpen(wakeup, path);
                long seen = wakeup.current();
                Step step = attemptSafely(phase, replyDeadline);
                replyDeadline = deadline;
                if (step == Step.DONE) {
                    return true;
                }
                if (step != Step.RETRY && !(step == Step.WAIT ? wakeup.awaitChange(seen, deadline)
                        : wakeup.awaitConnection(client, seen, deadline))) {
                    return phase.giveUp();
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            phase.abandon();
            throw e;
        }
    }

    private static Step attemptSafely(Phase phase, long deadline) throws InterruptedException {
        try {
            return phase.attempt(deadline);
        } catch (TimeoutException e) {
            return Step.WAIT; // the deadline passed: the wait ends at once
        } catch (KeeperException e) {
            if (Replies.isConnectionProblem(e.code())) {
                return Step.RECONNECT;
            }
            throw new ZkRecipeException(phase.describe(), e);
        }
    }
}
