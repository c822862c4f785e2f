package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Sequences;
import io.zkrecipes.core.internal.Session;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.apache.zookeeper.KeeperException;

/**
 * What a {@link LeaderObserver} knows of an election, and its listeners. Changed only on the
 * observer's thread, one step at a time; {@link #participants()} may be read from any thread.
 */
final class ObservedElection {
    private final ZkClient client;
    private final String path;
    private final ParticipantSet set = new ParticipantSet();
    private final List<Map.Entry<LeaderObserver.Listener, Executor>> listeners = new CopyOnWriteArrayList<>();
    private volatile List<Participant> view = List.of();
    private volatile boolean silenced;
    private Optional<Participant> told;

    ObservedElection(ZkClient client, String path) {
        this.client = client;
        this.path = path;
    }

    /** The participants in line order, leader first, as last known. */
    List<Participant> participants() {
        return view;
    }

    /** Adds a listener and tells it the current leader if it is known. */
    void addListener(LeaderObserver.Listener listener, Executor serial) {
        listeners.add(Map.entry(listener, serial));
        if (told != null) {
            Optional<Participant> now = told;
            serial.execute(() -> listener.leaderChanged(now));
        }
    }

    /** No listener is called any more. Any thread. */
    void silence() {
        silenced = true;
    }

    /** A participant joined (or its data changed): {@code data} is the read sent on its event. */
    void joined(String name, CompletableFuture<AsyncOps.NodeData> data) throws KeeperException, InterruptedException {
        try {
            set.put(decode(name, AsyncOps.join(data)));
        } catch (KeeperException.NoNodeException gone) {
            return; // it left already; its deletion event follows
        }
        publish();
    }

    void left(String name) {
        set.remove(name);
        publish();
    }

    /** The election path was deleted: no leader until it is created again and joined. */
    void ended() {
        set.clear();
        publish();
    }

    /**
     * Applies a resync once {@code watch} is set: replaces what is known by {@code listing};
     * completes {@code done} with the outcome.
     */
    void resynced(CompletableFuture<Void> watch, CompletableFuture<AsyncOps.Children> listing,
            CompletableFuture<Void> done) throws KeeperException, InterruptedException {
        try {
            AsyncOps.join(watch);
            listed(listing);
            done.complete(null);
        } catch (KeeperException | RuntimeException e) {
            done.completeExceptionally(e);
            throw e;
        } catch (InterruptedException e) {
            done.completeExceptionally(new IllegalStateException("observer of " + path + " is closed"));
            throw e;
        }
    }

    /** Replaces what is known by a listing; data is read only for participants not known yet. */
    private void listed(CompletableFuture<AsyncOps.Children> listing) throws KeeperException, InterruptedException {
        List<String> names;
        try {
            names = Sequences.sorted(AsyncOps.join(listing).names());
        } catch (KeeperException.NoNodeException none) {
            names = List.of(); // no election now; the watch reports its creation
        }
        Map<String, CompletableFuture<AsyncOps.NodeData>> reads = new LinkedHashMap<>();
        for (String name : names) {
            if (set.get(name) == null) {
                // pipelined: every newcomer's data in one round trip
                reads.put(name, Session.of(client).ops().getData(ZkPaths.join(path, name), null));
            }
        }
        Map<String, Participant> next = new HashMap<>();
        for (String name : names) {
            Participant known = set.get(name);
            try {
                next.put(name, known != null ? known : decode(name, AsyncOps.join(reads.get(name))));
            } catch (KeeperException.NoNodeException gone) {
                // it left after the listing; its deletion event follows
            }
        }
        set.replaceWith(next);
        publish();
    }

    private static Participant decode(String name, AsyncOps.NodeData data) {
        return NodeContent.decode(data.data(), name, data.stat().getCzxid());
    }

    /** Publishes the view and tells the listeners if the leader changed. */
    private void publish() {
        view = set.snapshot();
        Optional<Participant> leader = set.leader();
        if (leader.equals(told) || silenced) {
            return;
        }
        told = leader;
        for (Map.Entry<LeaderObserver.Listener, Executor> l : listeners) {
            l.getValue().execute(() -> l.getKey().leaderChanged(leader));
        }
    }
}
