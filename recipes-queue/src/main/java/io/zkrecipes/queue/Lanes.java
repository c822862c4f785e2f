package io.zkrecipes.queue;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import io.zkrecipes.queue.DistributedQueue.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;

/**
 * The engine of a queue made of lanes, for the priority and delay queues: each lane is a bucketed
 * queue of its own under the queue node ({@code queue/<lane>/b-.../i...}), with its own producer
 * pipeline and its own consumer cursor, while the instance's owner node, marker slots, claims and
 * dead letters are shared. Lane names sort in the order lanes are served; a take goes to the
 * first open lane with an available item. So everything {@link DistributedQueue} guarantees holds
 * within a lane (exactly-once puts and takes through lost replies and expiry, one producer's order,
 * claims, dead letters, buckets past a million items), and lanes add the order between them.
 *
 * <p><b>Which lanes exist.</b> The queue node is listed with a watch; lanes are created by producers
 * (as containers, so the server reaps drained ones) and learned from that watch. A lane that is
 * gone and has nothing held back is forgotten.
 *
 * <p><b>Waiting.</b> Every lane's reader tells one {@link Wait} of a change; a waiting call looks at
 * the lanes again when it fires, when the next held-back item becomes due, or when the next lane
 * opens (by the ensemble's clock). Nothing is sent while waiting.
 *
 * <p>Thread-safe; the lane map is guarded by this object's monitor, never held while sending.
 */
final class Lanes<T> implements AutoCloseable {
    /** What lanes are, and when each may be taken from. */
    interface Policy {
        /** Whether {@code child} of the queue node is a lane. */
        boolean isLane(String child);

        /** When lane {@code lane} opens by the ensemble's clock (ms since the epoch); {@link Long#MIN_VALUE} if always open. */
        long opensAtMs(String lane);
    }

    /** One lane: its layout, its reader, and its producer once this instance put into it. */
    private static final class Lane {
        final String name;
        final QueueLayout layout;
        final QueueReader reader;
        Producer producer; // guarded by the Lanes

        Lane(String name, QueueLayout layout, QueueReader reader) {
            this.name = name;
            this.layout = layout;
            this.reader = reader;
        }
    }

    /** A claimed item with the lane it is in. */
    private record LaneClaim(Lane lane, Claims.Claim claim) {
    }

    /** Producers of lanes kept while idle; beyond this, idle ones are closed as lanes come and go. */
    private static final int IDLE_PRODUCERS_KEPT = 16;

    private final Session session;
    private final QueueLayout root;
    private final Policy policy;
    private final QueueReader.NotBefore notBefore;
    private final Function<QueueReader.Candidate, T> decode;
    private final int bucketCapacity;
    private final int maxPutsInFlight;
    private final EnsembleClock clock = new EnsembleClock();
    private final Markers markers;
    private final Claims claims;
    private final Watcher rootWatcher = this::onRootEvent;
    /** Changes of the queue node's children seen; the lanes are listed again when it moves. */
    private final AtomicLong rootChanges = new AtomicLong();
    private final Map<String, Lane> lanes = new TreeMap<>();
    private long listedAt = -1;
    private long listedSession;
    private boolean opened;
    private boolean closed;
    private Wait wait; // made at the first wait

    Lanes(Session session, String path, Policy policy, QueueReader.NotBefore notBefore,
            Function<QueueReader.Candidate, T> decode, int bucketCapacity, int maxAttempts, int maxPutsInFlight) {
        this.session = session;
        this.root = new QueueLayout(path);
        this.policy = policy;
        this.notBefore = notBefore;
        this.decode = decode;
        this.bucketCapacity = bucketCapacity;
        this.maxPutsInFlight = maxPutsInFlight;
        this.markers = new Markers(session, root);
        this.claims = new Claims(session, root, maxAttempts);
    }

    String path() {
        return root.root;
    }

    EnsembleClock clock() {
        return clock;
    }

    // ---- putting -----------------------------------------------------------------------------

    /** Appends serialized items to {@code lane} as one atomic put; the future completes once applied. */
    CompletableFuture<Void> put(String lane, List<byte[]> data) {
        CompletableFuture<Void> put;
        synchronized (this) {
            requireOpen();
            put = producerOf(lane).put(data);
        }
        return put.thenRun(() -> session.events().queuePut(root.root, data.size()));
    }

    /** Holds the monitor. */
    private Producer producerOf(String name) {
        Lane lane = lanes.computeIfAbsent(name, this::newLane);
        if (lane.producer == null) {
            closeIdleProducers();
            lane.producer = new Producer(session, lane.layout, markers, bucketCapacity, maxPutsInFlight, clock);
        }
        return lane.producer;
    }

    private Lane newLane(String name) {
        QueueLayout layout = root.lane(name);
        return new Lane(name, layout, new QueueReader(session, layout, markers, notBefore, clock, this::changed,
                this::takenForNobody));
    }

    /** Lanes come and go (a delay queue makes one per window): keep a few idle producers, close the rest. */
    private void closeIdleProducers() {
        List<Lane> idle = new ArrayList<>();
        for (Lane lane : lanes.values()) {
            if (lane.producer != null && lane.producer.isIdle()) {
                idle.add(lane);
            }
        }
        for (int i = 0; i < idle.size() - IDLE_PRODUCERS_KEPT; i++) {
            idle.get(i).producer.close(); // idle: nothing is waiting or on the wire, nothing is dropped
            idle.get(i).producer = null;
        }
    }

    // ---- taking ------------------------------------------------------------------------------

    /** Takes the first available item of the first open lane, waiting until {@code wait}; empty at the deadline. */
    Optional<T> take(Deadline wait, Deadline replies) throws InterruptedException {
        try {
            open(replies);
            Optional<QueueReader.Candidate> taken = next(wait, replies, lane -> lane.reader.tryTake(replies));
            taken.ifPresent(c -> session.events().queueTaken(root.root));
            return taken.map(decode);
        } catch (KeeperException e) {
            return QueueCalls.timedOut(e, replies, "take from queue " + root.root);
        }
    }

    /** Claims the first available item as {@link #take} would, and processes it as {@link DistributedQueue#processNext} does. */
    Outcome processNext(Deadline wait, Deadline replies, Consumer<? super T> handler) throws InterruptedException {
        Optional<LaneClaim> claimed;
        try {
            open(replies);
            claimed = next(wait, replies, lane -> lane.reader.tryNext(replies, c -> claims.claim(c, replies))
                    .map(claim -> new LaneClaim(lane, claim)));
        } catch (KeeperException e) {
            claimed = QueueCalls.timedOut(e, replies, "claim an item of queue " + root.root);
        }
        if (claimed.isEmpty()) {
            return reported(Outcome.EMPTY);
        }
        LaneClaim c = claimed.get();
        return reported(claims.process(c.claim(), decode, handler, c.lane().reader::rewind));
    }

    /** The first available item of the first open lane, without taking it; never waits. */
    Optional<T> peek() throws InterruptedException {
        Deadline deadline = Deadline.none();
        try {
            open(deadline);
            for (Lane lane : openLanes(deadline)) {
                Optional<QueueReader.Candidate> c = lane.reader.peek(deadline);
                if (c.isPresent()) {
                    return c.map(decode);
                }
            }
            return Optional.empty();
        } catch (KeeperException e) {
            throw new ZkRecipeException("peek into queue " + root.root, e);
        }
    }

    /** Items in all lanes, claimed and not yet due ones included: three pipelined round trips. */
    long size() throws InterruptedException {
        Deadline deadline = Deadline.none();
        try {
            return session.retry(deadline, () -> countItems(deadline));
        } catch (KeeperException e) {
            throw new ZkRecipeException("size of queue " + root.root, e);
        }
    }

    /** The lanes' names and their items each (claimed and not yet due ones included), in lane order. */
    Map<String, Long> sizes() throws InterruptedException {
        Deadline deadline = Deadline.none();
        try {
            return session.retry(deadline, () -> countByLane(deadline));
        } catch (KeeperException e) {
            throw new ZkRecipeException("size of queue " + root.root, e);
        }
    }

    private interface LaneStep<R> {
        Optional<R> apply(Lane lane) throws KeeperException, InterruptedException;
    }

    /**
     * Applies {@code step} to the open lanes in order until one gives a result; else waits for a
     * change, a held-back item's time or a lane's opening, until {@code wait}.
     */
    private <R> Optional<R> next(Deadline wait, Deadline replies, LaneStep<R> step)
            throws KeeperException, InterruptedException {
        Wait w = waitOfThisInstance();
        try {
            while (true) {
                requireOpen();
                long firedAll = w.firedAll(); // before the steps: a take handed over after them wakes this one
                long wakeAt = Long.MAX_VALUE;
                if (session.isConnected()) {
                    for (Lane lane : openLanes(replies)) {
                        Optional<R> result = step.apply(lane);
                        if (result.isPresent()) {
                            return result;
                        }
                        wakeAt = earlier(wakeAt, lane.reader.nextDueNanos());
                    }
                    wakeAt = earlier(wakeAt, nextOpeningNanos());
                }
                if (!w.await(wait.atMostUntil(wakeAt), firedAll) && wait.passed()) {
                    return Optional.empty();
                }
            }
        } catch (KeeperException | InterruptedException | RuntimeException e) {
            w.fire(); // the wake this thread may have taken goes to the next waiting thread
            throw e;
        }
    }

    /** The earlier of two {@link System#nanoTime()} instants, {@link Long#MAX_VALUE} meaning none. */
    private static long earlier(long a, long b) {
        if (a == Long.MAX_VALUE || b == Long.MAX_VALUE) {
            return a == Long.MAX_VALUE ? b : a;
        }
        return a - b <= 0 ? a : b;
    }

    /** The lanes open now, in order; lists the queue node first if it changed. */
    private List<Lane> openLanes(Deadline deadline) throws KeeperException, InterruptedException {
        refreshLanes(deadline);
        List<Lane> open = new ArrayList<>();
        for (Lane lane : lanesNow()) {
            long opens = policy.opensAtMs(lane.name);
            if (opens != Long.MIN_VALUE && !hasOpened(opens, deadline)) {
                break; // lanes open in their order: the later ones are not open either
            }
            open.add(lane);
        }
        return open;
    }

    /** Whether the ensemble's time has reached {@code ms}, by a fresh bound. */
    private boolean hasOpened(long ms, Deadline deadline) throws KeeperException, InterruptedException {
        if (clock.nowAtLeast() >= ms) {
            return true;
        }
        if (!clock.isFresh()) {
            clock.sample(session, root.root, deadline);
        }
        return clock.nowAtLeast() >= ms;
    }

    /** When the first lane not open yet opens ({@link System#nanoTime()}); Long.MAX_VALUE for none. */
    private long nextOpeningNanos() {
        for (Lane lane : lanesNow()) {
            long opens = policy.opensAtMs(lane.name);
            if (opens != Long.MIN_VALUE && clock.nowAtLeast() < opens) {
                return clock.nanosWhen(opens);
            }
        }
        return Long.MAX_VALUE;
    }

    private synchronized List<Lane> lanesNow() {
        return new ArrayList<>(lanes.values());
    }

    /** Lists the queue node, with a watch, when its children changed or the session is new. */
    private void refreshLanes(Deadline deadline) throws KeeperException, InterruptedException {
        long seen = rootChanges.get();
        long sid = session.sessionId();
        synchronized (this) {
            if (seen == listedAt && sid == listedSession) {
                return;
            }
        }
        List<String> children = deadline.join(session.ops().getChildren(root.root, rootWatcher)).names();
        synchronized (this) {
            for (String child : children) {
                if (policy.isLane(child)) {
                    lanes.computeIfAbsent(child, this::newLane);
                }
            }
            lanes.values().removeIf(lane -> !children.contains(lane.name) && lane.producer == null
                    && lane.reader.isIdle());
            listedAt = seen;
            listedSession = sid;
        }
    }

    /** Runs on ZooKeeper's event thread. */
    private void onRootEvent(WatchedEvent event) {
        if (event.getType() != Watcher.Event.EventType.None) {
            rootChanges.incrementAndGet();
            changed();
        }
    }

    /** A lane or the queue node changed: waiting calls look again. Safe on ZooKeeper's event thread. */
    private void changed() {
        Wait w;
        synchronized (this) {
            w = wait;
        }
        if (w != null) {
            w.fire();
        }
    }

    /** A lane holds an item taken for a caller that gave up: every waiting call looks, so a take finds it. */
    private void takenForNobody() {
        Wait w;
        synchronized (this) {
            w = wait;
        }
        if (w != null) {
            w.fireAll();
        }
    }

    private synchronized Wait waitOfThisInstance() {
        requireOpen();
        if (wait == null) {
            wait = session.newWait();
        }
        return wait;
    }

    // ---- counting ----------------------------------------------------------------------------

    private long countItems(Deadline deadline) throws KeeperException, InterruptedException {
        long total = 0;
        for (long n : countByLane(deadline).values()) {
            total += n;
        }
        return total;
    }

    /** One listing of the queue node, every lane's listing in one pipelined round trip, then every bucket's size. */
    private Map<String, Long> countByLane(Deadline deadline) throws KeeperException, InterruptedException {
        AsyncOps ops = session.ops();
        List<String> children;
        try {
            children = deadline.join(ops.getChildren(root.root, null)).names();
        } catch (KeeperException.NoNodeException e) {
            return Map.of(); // not created yet
        }
        Map<String, CompletableFuture<AsyncOps.Children>> listings = new TreeMap<>();
        for (String child : children) {
            if (policy.isLane(child)) {
                listings.put(child, ops.getChildren(root.lane(child).items, null));
            }
        }
        Map<String, List<CompletableFuture<Stat>>> stats = new TreeMap<>();
        for (Map.Entry<String, CompletableFuture<AsyncOps.Children>> e : listings.entrySet()) {
            QueueLayout lane = root.lane(e.getKey());
            List<CompletableFuture<Stat>> bucketStats = new ArrayList<>();
            try {
                for (long b : QueueLayout.buckets(deadline.join(e.getValue()).names())) {
                    bucketStats.add(ops.exists(lane.bucketPath(b), null));
                }
            } catch (KeeperException.NoNodeException gone) {
                // reaped meanwhile: empty
            }
            stats.put(e.getKey(), bucketStats);
        }
        Map<String, Long> sizes = new TreeMap<>();
        for (Map.Entry<String, List<CompletableFuture<Stat>>> e : stats.entrySet()) {
            long n = 0;
            for (CompletableFuture<Stat> f : e.getValue()) {
                Stat stat = deadline.join(f);
                n += stat == null ? 0 : stat.getNumChildren();
            }
            sizes.put(e.getKey(), n);
        }
        return sizes;
    }

    // ---- life --------------------------------------------------------------------------------

    private Outcome reported(Outcome outcome) {
        session.events().queueProcessed(root.root, outcome.name());
        if (outcome == Outcome.DEAD_LETTERED) {
            session.events().queueDeadLettered(root.root);
        }
        return outcome;
    }

    /** The first call of the instance creates the queue's nodes where missing. */
    private void open(Deadline deadline) throws KeeperException, InterruptedException {
        synchronized (this) {
            if (opened) {
                return;
            }
        }
        session.retry(deadline, () -> {
            root.ensure(session, deadline);
            return null;
        });
        synchronized (this) {
            opened = true;
        }
    }

    synchronized void requireOpen() {
        if (closed) {
            throw new IllegalStateException("queue " + root.root + " is closed");
        }
        session.requireOpen();
    }

    /** Waiting calls throw {@link IllegalStateException}; watches, owner and marker nodes go in the background. */
    @Override
    public void close() {
        List<Lane> all;
        Wait w;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(lanes.values());
            w = wait;
            wait = null;
        }
        for (Lane lane : all) {
            if (lane.producer != null) {
                lane.producer.close();
            }
            lane.reader.close();
        }
        if (w != null) {
            w.fire(); // each woken thread passes it on before it throws
            w.close();
        }
        if (!session.isClosed()) {
            try {
                session.ops().removeWatches(root.root, rootWatcher, Watcher.WatcherType.Any);
            } catch (IllegalStateException clientClosed) {
                // closed meanwhile: the watch went with it
            }
        }
        markers.close();
    }
}
