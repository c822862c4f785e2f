package io.zkrecipes.examples;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.election.LeaderElection;
import io.zkrecipes.election.LeaderObserver;
import io.zkrecipes.election.LeadershipListener;
import io.zkrecipes.election.Participant;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Election example: three candidates, each in its own session, elect a leader; an observer (a
 * front end that only wants the leader's address) prints every change of leader. The leader's
 * session expires: another candidate takes over within moments, and the old leader, back with a
 * new session, queues again at the back. Then the new leader's process dies, and the third takes
 * over. Every new leader's term is larger than the one before.
 *
 * <p>Run: {@code mvn -q -pl examples exec:java -Dexec.args="election [--connect host:port,...]"}.
 */
public final class ElectionExample {
    private static final String PATH = "/elections/master";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private ElectionExample() {
    }

    /** Runs the example; exits with status 1 if a checked fact did not hold. */
    public static void main(String[] args) {
        Example.exit(run(args, System.out));
    }

    static boolean run(String[] args, PrintStream out) {
        return Example.run("election", ElectionExample::play, args, out);
    }

    static void play(Stage stage) throws Exception {
        List<Participant> leaders = new CopyOnWriteArrayList<>();
        try (LeaderObserver observer = LeaderObserver.create(stage.client(), PATH)) {
            observer.addListener(leader -> observed(stage, leaders, leader));
            observer.start();
            List<ZkClient> clients = new ArrayList<>();
            List<LeaderElection> candidates = new ArrayList<>();
            try {
                for (int i = 1; i <= 3; i++) {
                    ZkClient client = stage.client();
                    clients.add(client);
                    candidates.add(candidate(stage, client, i));
                }
                LeaderElection first = awaitLeader(stage, candidates, null);
                if (first == null) {
                    return;
                }
                int firstIndex = candidates.indexOf(first);
                Stage.await(() -> !leaders.isEmpty(), WAIT); // let the observer tell it first
                stage.say(first.id(), "is paused longer than its session lasts: its session expires");
                stage.expire(clients.get(firstIndex));
                LeaderElection second = awaitLeader(stage, candidates, first);
                if (second == null) {
                    return;
                }
                stage.check(true, "new leader after the leader's session expired: " + second.id());
                boolean requeued = Stage.await(() -> lastInLine(observer, first.id()), WAIT);
                stage.check(requeued, first.id() + " rejoined the election at the back of the line with its new session");
                stage.say(second.id(), "its process dies (client closed)");
                stage.kill(clients.get(candidates.indexOf(second)));
                LeaderElection third = awaitLeader(stage, candidates, second);
                if (third == null) {
                    return;
                }
                stage.check(true, "new leader after the leader's process died: " + third.id());
                Stage.await(() -> leaders.size() >= 3 && leaders.get(leaders.size() - 1).id().equals(third.id()), WAIT);
                checkTerms(stage, leaders);
            } finally {
                candidates.forEach(Stage::closeQuietly);
            }
        }
    }

    private static LeaderElection candidate(Stage stage, ZkClient client, int i) {
        String id = "candidate-" + i;
        LeaderElection election = LeaderElection.builder(client, PATH, id)
                .data(("10.0.0." + i + ":8080").getBytes(StandardCharsets.UTF_8))
                .listener(new LeadershipListener() {
                    @Override
                    public void leadershipGained(LeaderElection e, long epoch) {
                        stage.say(id, "I lead now (term %d)", epoch);
                    }

                    @Override
                    public void leadershipLost(LeaderElection e) {
                        stage.say(id, "I no longer lead");
                    }
                }).build();
        election.start();
        return election;
    }

    /** Waits until exactly one candidate other than {@code previous} leads, and returns it. */
    private static LeaderElection awaitLeader(Stage stage, List<LeaderElection> candidates, LeaderElection previous)
            throws InterruptedException {
        LeaderElection[] found = new LeaderElection[1];
        Stage.await(() -> {
            List<LeaderElection> leading = candidates.stream().filter(LeaderElection::hasLeadership).toList();
            found[0] = leading.size() == 1 && leading.get(0) != previous ? leading.get(0) : null;
            return found[0] != null;
        }, WAIT);
        if (found[0] == null) {
            stage.check(false, "a single new leader within " + WAIT);
        }
        return found[0];
    }

    private static void observed(Stage stage, List<Participant> leaders, Optional<Participant> leader) {
        if (leader.isEmpty()) {
            stage.say("observer", "no leader right now");
            return;
        }
        Participant p = leader.get();
        if (!leaders.isEmpty() && leaders.get(leaders.size() - 1).node().equals(p.node())) {
            return;
        }
        leaders.add(p);
        stage.say("observer", "leader is now %s, send requests to %s (term %d)", p.id(),
                new String(p.data(), StandardCharsets.UTF_8), p.fencingToken());
    }

    private static boolean lastInLine(LeaderObserver observer, String id) {
        List<Participant> line = observer.participants();
        return line.size() == 3 && line.get(2).id().equals(id);
    }

    private static void checkTerms(Stage stage, List<Participant> leaders) {
        boolean increasing = true;
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < leaders.size(); i++) {
            increasing &= i == 0 || leaders.get(i).fencingToken() > leaders.get(i - 1).fencingToken();
            order.append(i == 0 ? "" : " -> ").append(leaders.get(i).id());
        }
        stage.check(leaders.size() >= 3 && increasing, "the observer saw the leaders " + order
                + ", each with a larger term than the one before");
    }
}
