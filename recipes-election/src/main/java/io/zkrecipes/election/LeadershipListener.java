package io.zkrecipes.election;

/**
 * Told when a {@link LeaderElection} participant gains or loses leadership.
 *
 * <p>Calls come one at a time, in the order the changes happened, on the election's listener
 * executor (never on ZooKeeper's event thread, never under the election's internal locks), and they
 * alternate: {@code gained}, {@code lost}, {@code gained}... A listener that throws is logged and
 * does not stop later calls. By the time {@code lost} runs, {@link LeaderElection#hasLeadership()}
 * already returns {@code false}.
 */
public interface LeadershipListener {

    /**
     * This participant leads from now on, in term {@code epoch} (see {@link LeaderElection#epoch()}).
     * It may already have lost leadership again when this runs; {@link #leadershipLost} then follows.
     */
    void leadershipGained(LeaderElection election, long epoch);

    /**
     * This participant stopped leading: it was closed or resigned, its connection was suspended
     * (unless step-down on suspension is disabled), its session expired, or its node was deleted.
     */
    void leadershipLost(LeaderElection election);
}
