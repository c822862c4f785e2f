package io.zkrecipes.queue;

import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outcome records of one queue instance, and the collection of those that gone instances
 * left behind.
 *
 * <p>A put or take writes a marker slot ({@code markers/<instance>-<n>}, persistent) in its own
 * multi; after a lost reply the slot's data tells exactly whether the multi was applied, also
 * across a session expiry. A slot is held by one request from its send until its outcome is known.
 *
 * <p>Collection: the instance keeps an ephemeral owner node {@code markers/<instance>}, created
 * on each session before its first marker write there, and every put and take multi checks it.
 * Markers are deleted by another instance only when their owner was absent when first seen and is
 * still absent a grace period (a session timeout) later, in one multi that creates and deletes the
 * owner path: it applies only while the owner is absent. So markers are never collected while
 * their instance's session lives; if an instance comes back later than the grace period with an
 * outcome still unknown and finds its marker gone, it reports the outcome as unknown instead of
 * guessing. Instances learn of gone owners through a child watch on the markers directory.
 */
final class Markers {
    private static final Logger log = LoggerFactory.getLogger(Markers.class);
    private static final int ID_LENGTH = 16;
    /** Slots made together when an instance needs more: as many as a burst of puts or takes uses. */
    private static final int SLOT_BATCH = 16;

    /**
     * One marker node; {@code created} once this instance knows the node was made, {@code version}
     * its data version as last known (-1: unknown).
     */
    static final class Slot {
        final String path;
        volatile boolean created;
        volatile boolean creating;
        volatile int version = -1;

        Slot(String path) {
            this.path = path;
        }
    }

    private final Session session;
    private final QueueLayout layout;
    private final String instanceId = String.format("%016x", ThreadLocalRandom.current().nextLong());
    private final String ownerPath;
    private final Deque<Slot> free = new ArrayDeque<>();
    private final List<Slot> all = new ArrayList<>();
    private final Set<String> collecting = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean scanQueued = new AtomicBoolean();
    private final Watcher scanWatcher = this::onMarkersChanged;
    /** The session whose ephemeral owner node exists, 0 if none is known. */
    private volatile long ownerSession;
    private volatile boolean watching;
    private volatile boolean closed;
    private boolean ownerDeleted; // guarded by this: sent once, after close, with the last slot

    Markers(Session session, QueueLayout layout) {
        this.session = session;
        this.layout = layout;
        this.ownerPath = ZkPaths.join(layout.markers, instanceId);
    }

    // ---- slots -------------------------------------------------------------------------------

    /** A slot for the caller alone until {@link #release}. */
    synchronized Slot acquire() {
        if (free.isEmpty()) {
            addSlots();
        }
        return free.pollFirst();
    }

    /** Makes {@link #SLOT_BATCH} new slots with one multi, sent ahead and not awaited: one write for them all. */
    private void addSlots() {
        List<Slot> batch = new ArrayList<>(SLOT_BATCH);
        List<Op> creates = new ArrayList<>(SLOT_BATCH);
        for (int i = 0; i < SLOT_BATCH; i++) {
            Slot slot = new Slot(ZkPaths.join(layout.markers, instanceId + "-" + all.size()));
            slot.creating = true;
            slot.version = 0; // what the multis behind the create will find
            all.add(slot);
            free.addLast(slot);
            batch.add(slot);
            creates.add(session.ops().createOp(slot.path, QueueLayout.EMPTY, CreateMode.PERSISTENT));
        }
        try {
            session.ops().multi(creates).whenComplete((made, failure) -> {
                for (Slot slot : batch) {
                    slot.created = failure == null;
                    slot.creating = false; // if not made, each is made alone before its first use
                }
            });
        } catch (IllegalStateException clientClosed) {
            batch.forEach(slot -> slot.creating = false); // the multi that needs them fails too
        }
    }

    /** After {@link #close}, the slot's node is deleted, and with the last held one the owner node. */
    synchronized void release(Slot slot) {
        if (!closed) {
            free.addFirst(slot);
            return;
        }
        all.remove(slot);
        boolean last = all.isEmpty() && !ownerDeleted;
        ownerDeleted |= last;
        try {
            AsyncOps ops = session.ops();
            ops.delete(slot.path, -1); // pipelined, not awaited: the marker before its owner
            if (last) {
                ops.delete(ownerPath, -1);
            }
        } catch (IllegalStateException clientClosed) {
            // the owner goes with the session; other instances collect the markers
        }
    }

    /**
     * Sends the create of {@code slot}'s node ahead of the multi that writes it, if it was never
     * made: not awaited, the session applies it first, so a fresh slot costs no failed multi.
     */
    void prepare(Slot slot) {
        if (slot.created || slot.creating) {
            return;
        }
        slot.creating = true;
        session.ops().create(slot.path, QueueLayout.EMPTY, CreateMode.PERSISTENT).whenComplete((made, failure) -> {
            KeeperException.Code code = failure == null ? KeeperException.Code.OK : AsyncOps.codeOf(failure);
            if (code == KeeperException.Code.OK || code == KeeperException.Code.NODEEXISTS) {
                slot.version = code == KeeperException.Code.OK ? 0 : -1;
                slot.created = true;
            }
            slot.creating = false; // else the multi fails on NONODE, or the read after a loss tells
        });
        slot.version = 0; // what the multi behind it will find
    }

    /** The ops a put or take multi starts with: the owner node must exist. */
    Op checkOwner() {
        return Op.check(ownerPath, -1);
    }

    /** The op that records {@code value} in {@code slot} inside a multi. */
    static Op write(Slot slot, String value) {
        return Op.setData(slot.path, value.getBytes(StandardCharsets.UTF_8), -1);
    }

    /**
     * Whether {@code slot} holds {@code value}: the multi that wrote it was applied.
     *
     * @throws ZkRecipeException if the slot's node was collected meanwhile: the outcome is unknown
     */
    boolean holds(Slot slot, String value, String what, Deadline deadline)
            throws KeeperException, InterruptedException {
        try {
            AsyncOps.NodeData read = deadline.join(session.ops().getData(slot.path, null));
            slot.created = true;
            slot.version = read.stat().getVersion();
            return value.equals(new String(read.data(), StandardCharsets.UTF_8));
        } catch (KeeperException.NoNodeException e) {
            if (!slot.created) {
                slot.version = -1;
                return false; // never made, so the multi that needs it failed
            }
            throw new ZkRecipeException("the outcome of " + what + " on queue " + layout.root + " is unknown: its"
                    + " marker was collected while this instance's session was gone for over a session timeout", e);
        }
    }

    /** The multi {@code slot} was written by succeeded; {@code version} is the slot's version now, -1 if unknown. */
    static void written(Slot slot, int version) {
        slot.created = true;
        slot.version = version;
    }

    /**
     * After a multi failed with NONODE on {@code path}: makes the owner node or the slot if that
     * is what was missing; false if it was neither.
     */
    boolean repair(String path, Slot slot, Deadline deadline) throws KeeperException, InterruptedException {
        if (ownerPath.equals(path)) {
            ownerSession = 0;
            ensureOwner(deadline);
            return true;
        }
        if (!slot.path.equals(path)) {
            return false;
        }
        try {
            deadline.join(session.ops().create(slot.path, QueueLayout.EMPTY, CreateMode.PERSISTENT));
            slot.version = 0;
        } catch (KeeperException.NodeExistsException e) {
            slot.version = -1; // made meanwhile: its version is read before the chain needs it
        } catch (KeeperException.NoNodeException e) {
            layout.create(session, deadline);
            return repair(path, slot, deadline);
        }
        slot.created = true;
        return true;
    }

    // ---- the owner node ----------------------------------------------------------------------

    /** Whether the owner node is known to exist on the current session: a multi may be sent without a round trip first. */
    boolean ownerCurrent() {
        long sid = session.sessionId();
        return sid != 0 && ownerSession == sid;
    }

    /**
     * Makes this instance's owner node on the current session if it has none there yet, and in the
     * same round trip lists the markers to collect those of gone instances. No request otherwise.
     */
    void ensureOwner(Deadline deadline) throws KeeperException, InterruptedException {
        if (ownerCurrent()) {
            return;
        }
        synchronized (this) {
            if (free.isEmpty()) {
                addSlots(); // before the watched listing below, so that their creates do not fire it
            }
        }
        AsyncOps ops = session.ops();
        CompletableFuture<AsyncOps.Created> created = ops.create(ownerPath, QueueLayout.EMPTY, CreateMode.EPHEMERAL);
        // pipelined: learn of other instances' markers in the same round trip, and watch them
        watching = true;
        CompletableFuture<AsyncOps.Children> listed = ops.getChildren(layout.markers, scanWatcher);
        long owner;
        try {
            owner = deadline.join(created).stat().getEphemeralOwner();
        } catch (KeeperException.NodeExistsException e) {
            // made by an earlier try whose reply was lost, or our previous session's, about to expire
            Stat stat = deadline.join(ops.exists(ownerPath, null));
            owner = stat == null ? 0 : stat.getEphemeralOwner();
        } catch (KeeperException.NoNodeException e) {
            layout.create(session, deadline);
            ensureOwner(deadline);
            return;
        }
        scan(deadline.join(listed).names());
        ownerSession = owner; // only now: a failed listing is tried again with the owner
    }

    // ---- collecting gone instances' markers --------------------------------------------------

    /** Runs on ZooKeeper's event thread: hands the re-listing to the client's workers. */
    private void onMarkersChanged(WatchedEvent event) {
        if (event.getType() != Watcher.Event.EventType.NodeChildrenChanged || closed
                || !scanQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            session.workers().execute(this::rescan);
        } catch (java.util.concurrent.RejectedExecutionException clientClosed) {
            scanQueued.set(false);
        }
    }

    private void rescan() {
        scanQueued.set(false);
        if (closed || session.isClosed()) {
            return;
        }
        Deadline deadline = Deadline.none();
        try {
            scan(session.retry(deadline, () -> deadline.join(session.ops().getChildren(layout.markers, scanWatcher)))
                    .names());
        } catch (KeeperException | RuntimeException e) {
            log.debug("Could not list the markers of queue {}: {}", layout.root, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Schedules the collection of every other instance's markers whose owner is absent. */
    private void scan(List<String> names) {
        Set<String> owners = new HashSet<>();
        Set<String> marked = new HashSet<>();
        for (String name : names) {
            String id = instanceOf(name);
            if (id != null && !id.equals(instanceId)) {
                (name.length() == ID_LENGTH ? owners : marked).add(id);
            }
        }
        marked.removeAll(owners);
        for (String id : marked) {
            if (collecting.add(id)) {
                CompletableFuture.delayedExecutor(session.sessionTimeoutNanos(), TimeUnit.NANOSECONDS,
                        session.workers()).execute(() -> collect(id));
            }
        }
    }

    private void collect(String id) {
        collecting.remove(id);
        if (closed || session.isClosed()) {
            return;
        }
        try {
            session.retry(Deadline.none(), () -> collectOnce(id));
        } catch (KeeperException | RuntimeException e) {
            log.debug("Could not collect the markers of instance {} of queue {}: {}", id, layout.root, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Void collectOnce(String id) throws KeeperException, InterruptedException {
        Deadline deadline = Deadline.none().atMost(session.sessionTimeoutNanos());
        AsyncOps ops = session.ops();
        List<String> names = deadline.join(ops.getChildren(layout.markers, null)).names();
        String owner = ZkPaths.join(layout.markers, id);
        List<Op> multi = new ArrayList<>();
        // creating the owner path fails while the owner exists: the deletes apply only while it is absent
        multi.add(ops.createOp(owner, QueueLayout.EMPTY, CreateMode.EPHEMERAL));
        for (String name : names) {
            if (name.length() > ID_LENGTH && id.equals(instanceOf(name))) {
                multi.add(Op.delete(ZkPaths.join(layout.markers, name), -1));
            }
        }
        if (names.contains(id) || multi.size() == 1) {
            return null; // back, or nothing left
        }
        multi.add(Op.delete(owner, -1));
        try {
            deadline.join(ops.multi(multi));
            log.info("Collected {} marker nodes of queue {} left by instance {}, gone for a session timeout",
                    multi.size() - 2, layout.root, id);
        } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
            // the instance is back, or another instance collected them first
        }
        return null;
    }

    /** The instance id a marker or owner name belongs to, or null for names of another kind. */
    private static String instanceOf(String name) {
        if (name.length() < ID_LENGTH || (name.length() > ID_LENGTH && name.charAt(ID_LENGTH) != '-')) {
            return null;
        }
        for (int i = 0; i < ID_LENGTH; i++) {
            if (Character.digit(name.charAt(i), 16) < 0) {
                return null;
            }
        }
        return name.substring(0, ID_LENGTH);
    }

    private void deleteEach(List<Slot> slots, boolean ownerToo) {
        try {
            AsyncOps ops = session.ops();
            // pipelined, not awaited: the session applies them in order, markers before their owner
            for (Slot slot : slots) {
                ops.delete(slot.path, -1);
            }
            if (ownerToo) {
                ops.delete(ownerPath, -1);
            }
        } catch (IllegalStateException clientClosed) {
            // the owner goes with the session; other instances collect the markers
        }
    }

    /**
     * Deletes this instance's free markers in the background, and its owner node once no slot is
     * held: a put or take in flight keeps its slot, and the owner that protects it from
     * collection, until its outcome is known (see {@link #release}). Nothing if the client is closed.
     */
    void close() {
        closed = true;
        if (session.isClosed()) {
            return; // the owner goes with the session; other instances collect the markers
        }
        List<Slot> slots;
        boolean ownerToo;
        synchronized (this) {
            slots = new ArrayList<>(free);
            all.removeAll(free);
            free.clear();
            ownerToo = all.isEmpty() && !ownerDeleted;
            ownerDeleted |= ownerToo;
        }
        try {
            deleteTogether(slots, ownerToo);
            if (watching) {
                session.ops().removeWatches(layout.markers, scanWatcher, Watcher.WatcherType.Children);
            }
        } catch (IllegalStateException clientClosed) {
            // closed meanwhile: as above
        }
    }

    /** One write for all, not awaited; if one of them is missing, each is deleted alone, markers first. */
    private void deleteTogether(List<Slot> slots, boolean ownerToo) {
        List<Op> deletes = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.created) {
                deletes.add(Op.delete(slot.path, -1));
            }
        }
        if (ownerToo) {
            deletes.add(Op.delete(ownerPath, -1));
        }
        if (deletes.isEmpty()) {
            return;
        }
        session.ops().multi(deletes).whenComplete((done, failure) -> {
            if (failure != null) {
                deleteEach(slots, ownerToo);
            }
        });
    }
}
