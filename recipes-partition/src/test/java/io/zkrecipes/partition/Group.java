package io.zkrecipes.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Test members of one group, one client (session) each, all recording into one {@link Ledger}. */
final class Group {
    static final Duration STABLE = Duration.ofSeconds(20);
    /** Short sessions, so that a real expiry (a cut past the timeout) takes little time. */
    static final Duration SESSION_TIMEOUT = Duration.ofMillis(1500);

    final Ledger ledger = new Ledger();
    private final ZkTestServers zk;
    private final String path;
    private final int partitions;
    private final Map<String, Partitioner> live = new LinkedHashMap<>();
    private final Map<String, ZkClient> clients = new LinkedHashMap<>();
    private Duration sessionTimeout = SESSION_TIMEOUT;

    Group(ZkTestServers zk, String path, int partitions) {
        this.zk = zk;
        this.path = path;
        this.partitions = partitions;
    }

    /** Members joined from now on have sessions of {@code timeout}. */
    Group sessionTimeout(Duration timeout) {
        this.sessionTimeout = timeout;
        return this;
    }

    /** Starts member {@code id} on a client of its own. */
    Partitioner join(String id) {
        return join(id, b -> { });
    }

    Partitioner join(String id, Consumer<Partitioner.Builder> options) {
        ZkClient client = zk.newClient(b -> b.sessionTimeout(sessionTimeout));
        Partitioner.Builder builder = Partitioner.builder(client, path, id).partitions(partitions)
                .listener(ledger.listenerFor(id));
        options.accept(builder);
        Partitioner member = zk.closeAfterTest(builder.build());
        member.start();
        live.put(id, member);
        clients.put(id, client);
        return member;
    }

    Partitioner get(String id) {
        return live.get(id);
    }

    ZkClient client(String id) {
        return clients.get(id);
    }

    /** Kills member {@code id}'s process: its client closes without the partitioner leaving. */
    void kill(String id) {
        ledger.died(id);
        clients.remove(id).close();
        live.remove(id);
    }

    /**
     * Expires member {@code id}'s session the way it happens: its connection is cut for longer than
     * the session timeout, so the servers expire it and the client takes it as lost; then the
     * connection returns and the client opens a new session.
     */
    void expire(String id) {
        ZkClient client = clients.get(id);
        long old = client.sessionId();
        zk.cut(client);
        await("session of " + id + " taken as lost").atMost(STABLE).pollInterval(Duration.ofMillis(20))
                .until(() -> client.sessionId() == 0);
        zk.restore(client);
        await("a new session for " + id).atMost(STABLE).pollInterval(Duration.ofMillis(20))
                .until(() -> client.isConnected() && client.sessionId() != 0 && client.sessionId() != old);
    }

    /** Member {@code id} leaves cleanly. */
    void leave(String id) {
        live.remove(id).close();
        clients.remove(id);
    }

    List<String> ids() {
        return new ArrayList<>(live.keySet());
    }

    /**
     * Waits until every partition is owned by exactly one live member, each member owns exactly what
     * the assignment gives it (so loads differ by at most one), and the callbacks agree.
     */
    void awaitStable() {
        awaitStableOnly();
        ledger.assertSafe();
    }

    /** {@link #awaitStable()} without the history check. */
    void awaitStableOnly() {
        List<String> names = PartitionSet.numbered(partitions, 1 << 20);
        awaitStableOver(() -> names);
    }

    /**
     * {@link #awaitStable()} over whichever partition set every live member has read, for when a
     * write of the set has an unknown outcome; returns that set.
     */
    List<String> awaitStableOnTheStoredSet() {
        List<String> stored = awaitStableOver(this::agreedPartitions);
        ledger.assertSafe();
        return stored;
    }

    /** Waits for a stable group over the set {@code names} gives at that moment; returns that set. */
    private List<String> awaitStableOver(Supplier<List<String>> names) {
        AtomicReference<List<String>> stableOver = new AtomicReference<>();
        await("a stable group of " + live.keySet()).atMost(STABLE).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    List<String> expected = names.get();
                    stableOver.set(expected);
                    return !expected.isEmpty() && isStable(expected);
                });
        Map<String, Integer> loads = new TreeMap<>();
        live.forEach((id, m) -> loads.put(id, m.owned().size()));
        int min = loads.values().stream().min(Integer::compare).orElse(0);
        int max = loads.values().stream().max(Integer::compare).orElse(0);
        assertEquals(true, max - min <= 1, "loads differ by more than one: " + loads);
        return stableOver.get();
    }

    /** The set every live member has read, or an empty list while they differ. */
    private List<String> agreedPartitions() {
        List<List<String>> read = live.values().stream().map(Partitioner::partitions).distinct().toList();
        return read.size() == 1 ? read.get(0) : List.of();
    }

    private boolean isStable(List<String> names) {
        Map<String, String> expected = Assignment.owners(live.keySet(), names);
        Map<String, String> owners = new TreeMap<>();
        for (Map.Entry<String, Partitioner> e : live.entrySet()) {
            Map<String, Long> owned = e.getValue().owned();
            if (!owned.equals(ledger.heldBy(e.getKey()))) {
                return false; // callbacks still on their way
            }
            for (String p : owned.keySet()) {
                if (owners.put(p, e.getKey()) != null) {
                    return false; // moving between the two reads; the ledger checks overlaps
                }
            }
        }
        return owners.equals(expected) && new TreeSet<>(owners.keySet()).equals(new TreeSet<>(names));
    }
}
