package io.zkrecipes.election;

/**
 * Told when a {@link LeaderElection} participant gains or loses leadership.
 *
 * <p>Calls come one at a time, in the order the changes happened, on the election's listener
 * executor (by default a callback lane of the client's: never on ZooKeeper's or the client's event
 * threads, never under the election's lock, and a slow listener delays no other recipe), and they
 * alternate: {@code gained}, {@code lost}, {@code gained}... A listener that throws is logged and
 * does not stop later calls. By the time {@code lost} runs, {@link LeaderElection#hasLeadership()}
 * already returns {@code false}.
 */
public interface LeadershipListener {

    /**
     * This participant leads from now on, with {@code fencingToken} (see
     * {@link LeaderElection#fencingToken()}). It may already have lost leadership again when this
     * runs; {@link #leadershipLost} then follows.
     */
    void leadershipGained(LeaderElection election, long fencingToken);

    /**
     * This participant stopped leading: it was closed or resigned, its connection was suspended
     * (unless step-down on suspension is disabled), its session was lost, its task returned, or its
     * node was deleted.
     */
    void leadershipLost(LeaderElection election);
}
