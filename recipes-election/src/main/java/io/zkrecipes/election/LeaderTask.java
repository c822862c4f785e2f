package io.zkrecipes.election;

/**
 * Work that runs only while its participant leads (see
 * {@link LeaderElection.Builder#runWhileLeading(LeaderTask)}).
 *
 * <p>The task runs on a thread of its own once leadership is gained. When leadership ends (loss,
 * step-down, {@link LeaderElection#resign()}, {@link LeaderElection#close()}) that thread is
 * interrupted: the task must then stop at once. {@code close()} and {@code resign()} wait for it
 * only briefly (half a second), so a task that goes on may still run while another participant
 * leads; and this participant does not join the election again before its task has returned.
 * When the task returns (normally or by throwing), the participant gives up leadership; with
 * auto-requeue it joins the election again at the back.
 */
@FunctionalInterface
public interface LeaderTask {

    /**
     * Does the leader's work.
     *
     * @param fencingToken the term's fencing token, for writes elsewhere
     * @throws InterruptedException when interrupted because leadership ended
     */
    void lead(long fencingToken) throws InterruptedException;
}
