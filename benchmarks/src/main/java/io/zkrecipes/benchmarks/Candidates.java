package io.zkrecipes.benchmarks;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.election.LeaderElection;
import io.zkrecipes.election.LeadershipListener;
import java.util.concurrent.CountDownLatch;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;

/** One side's leader election, reduced to what the election scenarios time. */
final class Candidates {
    private Candidates() {
    }

    /** A candidate in an election. */
    interface Candidate {
        /** Gives up leadership cleanly, as a leader that is done; returns once the exit was sent. */
        void exit() throws Exception;

        /** After {@link #exit()}: takes part again, at the back of the line. */
        void rejoin() throws Exception;

        /** Stops taking part for good (at the end of a measurement). */
        void close() throws Exception;
    }

    /** Joins elections on a session of one simulated process. */
    @FunctionalInterface
    interface Joiner {
        /** Joins the election at {@code path}; {@code onLead} runs when this candidate becomes leader. */
        Candidate join(String path, Runnable onLead) throws Exception;
    }

    /** Makes a joiner on a new session of its own. */
    @FunctionalInterface
    interface Maker {
        Joiner make(Env env) throws Exception;
    }

    /** Ours, as LeaderLatch is used: a clean exit is close(); the process re-joins with a new participant. */
    static Maker oursClosing() {
        return env -> {
            ZkClient client = env.client();
            return (path, onLead) -> new ElectionCandidate(client, path, onLead, false);
        };
    }

    /** Ours, as LeaderSelector is used: a clean exit is resign(), which joins again at the back. */
    static Maker oursResigning() {
        return env -> {
            ZkClient client = env.client();
            return (path, onLead) -> new ElectionCandidate(client, path, onLead, true);
        };
    }

    private static final class ElectionCandidate implements Candidate {
        private final ZkClient client;
        private final String path;
        private final Runnable onLead;
        private final boolean resign;
        private LeaderElection election;

        ElectionCandidate(ZkClient client, String path, Runnable onLead, boolean resign) {
            this.client = client;
            this.path = path;
            this.onLead = onLead;
            this.resign = resign;
            start();
        }

        private void start() {
            election = LeaderElection.builder(client, path, "p" + client.sessionId()).listener(new LeadershipListener() {
                @Override
                public void leadershipGained(LeaderElection e, long epoch) {
                    onLead.run();
                }

                @Override
                public void leadershipLost(LeaderElection e) {
                }
            }).build();
            election.start();
        }

        @Override
        public void exit() {
            if (resign) {
                election.resign();
            } else {
                election.close();
            }
        }

        @Override
        public void rejoin() {
            if (!resign) {
                start();
            }
        }

        @Override
        public void close() {
            election.close();
        }
    }

    /** LeaderLatch: a clean exit is close(); the process re-joins with a new latch. */
    static Maker curatorLatch() {
        return env -> {
            CuratorFramework curator = env.curator();
            return (path, onLead) -> new LatchCandidate(curator, path, onLead);
        };
    }

    private static final class LatchCandidate implements Candidate {
        private final CuratorFramework curator;
        private final String path;
        private final Runnable onLead;
        private LeaderLatch latch;

        LatchCandidate(CuratorFramework curator, String path, Runnable onLead) throws Exception {
            this.curator = curator;
            this.path = path;
            this.onLead = onLead;
            rejoin();
        }

        @Override
        public void exit() throws Exception {
            latch.close();
        }

        @Override
        public void rejoin() throws Exception {
            latch = new LeaderLatch(curator, path);
            latch.addListener(new LeaderLatchListener() {
                @Override
                public void isLeader() {
                    onLead.run();
                }

                @Override
                public void notLeader() {
                }
            });
            latch.start();
        }

        @Override
        public void close() throws Exception {
            if (latch.getState() == LeaderLatch.State.STARTED) {
                latch.close();
            }
        }
    }

    /** LeaderSelector with auto-requeue: a clean exit is returning from takeLeadership. */
    static Maker curatorSelector() {
        return env -> {
            CuratorFramework curator = env.curator();
            return (path, onLead) -> selector(curator, path, onLead);
        };
    }

    private static Candidate selector(CuratorFramework curator, String path, Runnable onLead) {
        CountDownLatch[] release = {new CountDownLatch(1)};
        LeaderSelector selector = new LeaderSelector(curator, path, new LeaderSelectorListenerAdapter() {
            @Override
            public void takeLeadership(CuratorFramework client) throws Exception {
                CountDownLatch mine = new CountDownLatch(1);
                release[0] = mine;
                onLead.run();
                mine.await();
            }
        });
        selector.autoRequeue();
        selector.start();
        return new Candidate() {
            @Override
            public void exit() {
                release[0].countDown();
            }

            @Override
            public void rejoin() {
                // auto-requeue already put it back in line
            }

            @Override
            public void close() {
                selector.close();
            }
        };
    }
}
