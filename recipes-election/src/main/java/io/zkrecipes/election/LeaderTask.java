package io.zkrecipes.election;

/**
 * Work that runs only while its participant leads (see
 * {@link LeaderElection.Builder#runWhileLeading(LeaderTask)}).
 *
 * <p>The task runs on a worker thread of the election once leadership is gained. When leadership is
 * lost, that thread is interrupted: the task must then stop soon, since the participant waits for it
 * to return before it re-joins the election. When the task returns (normally or by throwing), the
 * participant gives up leadership; with auto-requeue it joins the election again at the back.
 */
@FunctionalInterface
public interface LeaderTask {

    /**
     * Does the leader's work.
     *
     * @param epoch the leadership term, a fencing token for writes elsewhere
     * @throws InterruptedException when interrupted because leadership was lost
     */
    void lead(long epoch) throws InterruptedException;
}
