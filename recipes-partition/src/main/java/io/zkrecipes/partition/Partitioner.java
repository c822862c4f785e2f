package io.zkrecipes.partition;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Reconciler;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member of a group that shares a set of partitions (shards, queues, key ranges) among its live
 * members: each partition has at most one owner at a time, each ownership has a fencing token, and
 * partitions move, when members come and go, released before they are acquired.
 *
 * <pre>{@code
 * Partitioner member = Partitioner.builder(client, "/jobs/shards", "worker-7")
 *         .partitions(16)
 *         .listener(new PartitionListener() {
 *             public void assigned(String shard, long token) { workers.start(shard, token); }
 *             public void revoked(String shard) { workers.stopAndWait(shard); }
 *         })
 *         .build();
 * member.start();
 * }</pre>
 *
 * <p><b>Layout.</b> Under the group node: {@code members/<member>}, an ephemeral node per live
 * member, and {@code owners/<partition>}, an ephemeral node per owned partition made by its owner's
 * session, holding the owner's member id. The owner node's creation zxid is the ownership's fencing
 * token. The partition set is the group node's data: the first member to start stores its
 * builder's set, later members use the stored one (their own is ignored), and {@link
 * #setPartitions} changes it for every member.
 *
 * <p><b>Assignment.</b> Every member computes the same assignment from the sorted members and
 * partitions (bounded-load rendezvous hashing): loads differ by at most one and a join or leave
 * moves few partitions. A member gives up a partition that is no longer its own by calling {@link
 * PartitionListener#revoked} and only when that has returned deleting its owner node; a member
 * takes a partition by creating its owner node once the previous one is gone, then calls {@link
 * PartitionListener#assigned}. So a partition never has two owner nodes, and, while sessions live,
 * never two members between {@code assigned} and the return of {@code revoked}.
 *
 * <p><b>Connection states.</b> On {@code SUSPENDED} every partition is revoked at once, because
 * after the session timeout another member may own it; the owner nodes stay. On {@code
 * RECONNECTED} with the same session an owner node is taken back (with its old token) only after a
 * read on an up-to-date server shows it is still this session's node with that token; otherwise it
 * is left to whoever is assigned it. With {@link Builder#keepWhileSuspended} partitions are kept
 * through {@code SUSPENDED} instead, at the risk of working on one that someone else owns already
 * if the session turns out to have expired. On {@code LOST} every partition still owned is revoked
 * (it went with the session and may have a new owner already); the member joins again with its new
 * session and takes its share as the old nodes go.
 *
 * <p><b>Costs.</b> Joining: one round trip for the watch, the listings and the partition set
 * (pipelined), one for the member node, and one for all the owner nodes it can take (pipelined).
 * Afterwards the watch tells every change: no listing is repeated on the same connection. A release
 * is a delete not waited for.
 *
 * <p>Thread-safe. Made without any request. A member id must be unique within the group: a second
 * member with the same id waits until the first one's node goes.
 */
public final class Partitioner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Partitioner.class);

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    /**
     * An owner node of ours whose state is not known for sure: taken back after a read shows it is
     * ours. {@code exact}: the node made at zxid {@code czxid} (kept through SUSPENDED); else any
     * node of the session made after it (a create whose reply was lost).
     */
    private record Claim(long czxid, boolean exact) {
        boolean matches(Stat stat, long sessionId) {
            return stat != null && stat.getEphemeralOwner() == sessionId
                    && (exact ? stat.getCzxid() == czxid : stat.getCzxid() > czxid);
        }
    }

    private final Session session;
    private final String group;
    private final String memberId;
    private final String memberPath;
    private final byte[] memberBytes;
    private final List<String> initialPartitions;
    private final boolean keepWhileSuspended;
    private final PartitionListener listener;
    private final Executor lane;
    private final GroupView view;
    private final Reconciler reconciler;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final ConnectionStateListener stateListener = this::stateChanged;
    private final Set<Wait> waiters = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    // guarded by lock: what this member owns, and what it may own without knowing it
    private final TreeMap<String, Long> owned = new TreeMap<>();
    private final Map<String, Claim> unsure = new HashMap<>();
    private final Map<String, Long> lastTokens = new HashMap<>();
    private long ownedSession;
    private boolean suspended;
    // the runs' own
    private Watcher watcher;
    private long warnedHolder;
    // written by the runs and by the watch
    private volatile long watchedSession;
    // read by anyone
    private volatile long memberSession;
    private volatile boolean balanced;
    private volatile boolean left;
    private volatile KeeperException refusal;
    private volatile Thread callbackThread;

    private Partitioner(Builder b) {
        this.session = b.session;
        this.group = b.group;
        this.memberId = b.memberId;
        this.memberPath = ZkPaths.join(ZkPaths.join(b.group, "members"), b.memberId);
        this.memberBytes = b.memberId.getBytes(StandardCharsets.UTF_8);
        this.initialPartitions = b.partitions;
        this.keepWhileSuspended = b.keepWhileSuspended;
        this.listener = b.listener;
        this.lane = b.executor == null ? session.newCallbackLane() : session.userLane(b.executor);
        this.view = new GroupView(b.group);
        this.reconciler = new Reconciler(session, this::reconcile);
    }

    /**
     * A member {@code memberId} of the group at {@code path} sharing {@code partitions} partitions
     * named {@code "0"} to {@code "partitions-1"} (if the group has no set yet), told of its
     * partitions through {@code listener} on a lane of its own. Sends nothing.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} or {@code memberId} is not valid, or
     *                                  {@code partitions} is less than 1
     * @throws IllegalStateException    if the client is closed
     */
    public static Partitioner create(ZkClient client, String path, String memberId, int partitions,
            PartitionListener listener) {
        return builder(client, path, memberId).partitions(partitions).listener(listener).build();
    }

    /**
     * A builder for member {@code memberId} of the group at {@code path}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path or is {@code /}, or
     *                                  {@code memberId} is not a node name
     * @throws IllegalStateException    if the client is closed
     */
    public static Builder builder(ZkClient client, String path, String memberId) {
        return new Builder(client, path, memberId);
    }

    /**
     * Joins the group; returns at once. The member takes its share as soon as the ensemble is
     * reachable (see {@link #awaitBalanced}).
     *
     * @throws IllegalStateException if already started or closed, or if the client is closed
     */
    public void start() {
        session.requireOpen();
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException(this + " was already started"
                    + (lifecycle.get() == Lifecycle.CLOSED ? " and closed" : ""));
        }
        session.addListener(stateListener);
        reconciler.kick();
    }

    /**
     * The partitions this member owns now, with their fencing tokens, sorted by name: those it was
     * told of by {@code assigned} and not yet by {@code revoked} (the callbacks may still be on their
     * way). Never blocks.
     *
     * @throws IllegalStateException if not started, or closed
     */
    public SortedMap<String, Long> owned() {
        requireStarted();
        synchronized (lock) {
            return Collections.unmodifiableSortedMap(new TreeMap<>(owned));
        }
    }

    /**
     * The live members as this member last saw them, sorted. Never blocks.
     *
     * @throws IllegalStateException if not started, or closed
     */
    public SortedSet<String> members() {
        requireStarted();
        return Collections.unmodifiableSortedSet(view.members());
    }

    /**
     * The partition set as this member last read it, sorted; empty until read. Never blocks.
     *
     * @throws IllegalStateException if not started, or closed
     */
    public List<String> partitions() {
        requireStarted();
        return view.partitions();
    }

    /** This member's id. */
    public String memberId() {
        return memberId;
    }

    /**
     * Waits until the group looks settled from this member: it is a member in a live, connected
     * session, owns exactly its share of the assignment computed from what it sees, and every
     * partition of the set has an owner. Returns at most {@code timeout} later, whatever the network
     * does. Another member may still be on its way; for the whole group, wait on every member.
     *
     * @return whether it is settled
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if not started, or closed, or the client is closed (also while waiting)
     * @throws ZkRecipeException        if the server refused a request (for lack of permission, say);
     *                                  it is tried again on the next connection state change
     * @throws InterruptedException     if interrupted while waiting
     */
    public boolean awaitBalanced(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(Require.nonNegative(timeout, "timeout"));
        requireStarted();
        try (Wait wait = session.newWait()) {
            waiters.add(wait);
            try {
                while (!balanced) {
                    requireStarted();
                    KeeperException refused = refusal;
                    if (refused != null) {
                        throw new ZkRecipeException("share the partitions of " + group, refused);
                    }
                    if (!wait.await(deadline)) {
                        return balanced;
                    }
                }
                return true;
            } finally {
                waiters.remove(wait);
            }
        }
    }

    /**
     * Replaces the group's partition set, for every member: partitions that leave the set are
     * revoked and released by their owners, new ones are taken. Blocks for one write (creating the
     * group node if needed), retried through connection losses until {@code timeout}. Repeating it
     * is harmless.
     *
     * @throws NullPointerException     if an argument or a name is null
     * @throws IllegalArgumentException if {@code partitions} is empty, holds a name twice or a name
     *                                  that is not a node name or has a line break, is over the
     *                                  client's data limit stored, or {@code timeout} is negative
     * @throws IllegalStateException    if closed, or the client is closed
     * @throws ZkRecipeException        if the write could not be made by {@code timeout}
     *                                  ({@code CONNECTIONLOSS}; the write may still be applied
     *                                  later, when a connection returns), or was refused
     * @throws InterruptedException     if interrupted while waiting
     */
    public void setPartitions(Collection<String> partitions, Duration timeout) throws InterruptedException {
        byte[] data = PartitionSet.encode(PartitionSet.checked(partitions), session.maxDataBytes());
        Deadline deadline = Deadline.after(Require.nonNegative(timeout, "timeout"));
        requireNotClosed();
        try {
            session.retry(deadline, () -> writePartitions(data, deadline));
        } catch (KeeperException e) {
            throw new ZkRecipeException("set the partitions of " + group, e);
        }
    }

    /**
     * Leaves the group: revokes every partition (waiting for the callbacks), deletes the owner nodes
     * and the member node, and stops watching; the others take over. Waits for that at most the
     * session timeout (not at all when called from a callback of this partitioner); the rest goes on
     * in the background, and nodes a lost connection keeps from deleting go through the client's
     * cleanup path or with the session. Idempotent; never throws.
     */
    @Override
    public void close() {
        Lifecycle before = lifecycle.getAndSet(Lifecycle.CLOSED);
        if (before == Lifecycle.CLOSED) {
            return;
        }
        wakeWaiters();
        if (before == Lifecycle.LATENT) {
            left = true;
            return;
        }
        reconciler.kick();
        if (callbackThread != Thread.currentThread()) {
            awaitLeft(Deadline.none().atMost(session.sessionTimeoutNanos()));
        }
    }

    @Override
    public String toString() {
        return "Partitioner[" + group + ", member " + memberId + "]";
    }

    // ---- checks and waiting --------------------------------------------------------------------

    private void requireStarted() {
        Lifecycle now = lifecycle.get();
        if (now != Lifecycle.STARTED) {
            throw new IllegalStateException(this + " is " + (now == Lifecycle.CLOSED ? "closed" : "not started"));
        }
    }

    private void requireNotClosed() {
        session.requireOpen();
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private void awaitLeft(Deadline deadline) {
        try (Wait wait = session.newWait()) {
            waiters.add(wait);
            try {
                while (!left && wait.await(deadline)) {
                    // woken by the run that leaves, or by a state change
                }
            } finally {
                waiters.remove(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException closedClient) {
            // the nodes go with the session
        }
    }

    private void wakeWaiters() {
        waiters.forEach(Wait::fire);
    }

    // ---- kicks: short, on the dispatcher or ZooKeeper's event thread ---------------------------

    private void stateChanged(ZkClient client, ConnectionState state) {
        switch (state) {
            case SUSPENDED -> suspend();
            case LOST, CLOSED -> loseAll();
            case CONNECTED, RECONNECTED -> resume();
        }
        balanced = false;
        wakeWaiters();
        reconciler.kick();
    }

    private void suspend() {
        synchronized (lock) {
            suspended = true;
            if (keepWhileSuspended) {
                return;
            }
            // after the session timeout another member may own them: stop now, check them on reconnection
            for (Map.Entry<String, Long> e : owned.entrySet()) {
                unsure.put(e.getKey(), new Claim(e.getValue(), true));
            }
            revokeAllLocked();
        }
    }

    private void loseAll() {
        synchronized (lock) {
            suspended = false;
            unsure.clear(); // they went with the session
            revokeAllLocked();
        }
        memberSession = 0;
    }

    private void resume() {
        synchronized (lock) {
            suspended = false;
        }
        view.markStale(); // nothing told us what changed while we were away
    }

    private void onEvent(long sessionId, WatchedEvent event) {
        if (sessionId != session.sessionId() || event.getType() == EventType.None) {
            return; // an old session's watch, or a state change (the state listener has it)
        }
        if (event.getType() == EventType.PersistentWatchRemoved) {
            watchedSession = 0;
        }
        if (view.apply(event) || event.getType() == EventType.PersistentWatchRemoved) {
            balanced = false;
            reconciler.kick();
        }
    }

    // ---- callbacks -----------------------------------------------------------------------------

    /** Revokes every owned partition; the callbacks are queued in order. Under the lock. */
    private CompletableFuture<Void> revokeAllLocked() {
        CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
        for (String partition : List.copyOf(owned.keySet())) {
            last = revokeLocked(partition);
        }
        return last;
    }

    private CompletableFuture<Void> revokeLocked(String partition) {
        owned.remove(partition);
        log.info("{} revokes partition {}", memberId, partition);
        return callback(() -> listener.revoked(partition));
    }

    /** Queues a callback on the lane; the future completes once it has returned (or thrown). */
    private CompletableFuture<Void> callback(Runnable call) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            lane.execute(() -> {
                callbackThread = Thread.currentThread();
                try {
                    call.run();
                } catch (RuntimeException e) {
                    log.warn("Partition listener of {} failed", this, e);
                } finally {
                    callbackThread = null;
                    done.complete(null);
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("Partition listener of {} no longer takes calls", this);
            done.complete(null);
        }
        return done;
    }

    // ---- the runs: one at a time, each brings ZooKeeper closer to the assignment ----------------

    private void reconcile() {
        try {
            if (lifecycle.get() == Lifecycle.CLOSED) {
                leave();
                return;
            }
            long sid = session.sessionId();
            if (sid == 0 || !session.isConnected()) {
                return; // kicked again on RECONNECTED or LOST
            }
            if (!view.isListedIn(sid)) {
                load(sid);
            }
            if (view.takePartitionsDirty()) {
                readPartitions(sid, session.opsFor(sid).getData(group, null));
            }
            if (memberSession == sid && !view.hasMember(memberId)) {
                memberSession = 0; // someone deleted our member node: join again
            }
            if (memberSession != sid) {
                join(sid);
            }
            SortedSet<String> target = memberSession == sid
                    ? Assignment.of(memberId, view.members(), view.partitions()) : Collections.emptySortedSet();
            release(sid, target);
            acquire(sid, target);
            refusal = null;
            balanced = settled(sid, target);
        } catch (KeeperException e) {
            failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException closedClient) {
            log.debug("Client closed under {}", this);
        } finally {
            wakeWaiters();
        }
    }

    /** Sets the watch (on a new session), then lists members and owners and reads the set: one round trip. */
    private void load(long sid) throws KeeperException, InterruptedException {
        AsyncOps ops = session.opsFor(sid);
        view.listingIn(sid);
        view.takePartitionsDirty();
        if (watchedSession != sid) {
            Watcher w = event -> onEvent(sid, event);
            // why pipelined: the session applies the watch before the listings, so no change slips between
            CompletableFuture<Void> added = ops.addWatch(group, w, AddWatchMode.PERSISTENT_RECURSIVE);
            watcher = w;
            watchedSession = sid;
            added.whenComplete((v, failure) -> {
                if (failure != null) {
                    watchedSession = 0; // set it again on the next listing
                    view.markStale();
                }
            });
        }
        CompletableFuture<AsyncOps.Children> members = ops.getChildren(view.membersPath(), null);
        CompletableFuture<AsyncOps.Children> owners = ops.getChildren(view.ownersPath(), null);
        CompletableFuture<AsyncOps.NodeData> data = ops.getData(group, null);
        try {
            AsyncOps.Children m = reply(members);
            view.membersListed(m.names(), m.stat().getPzxid());
            AsyncOps.Children o = reply(owners);
            view.ownersListed(o.names(), o.stat().getPzxid());
            readPartitions(sid, data);
        } catch (KeeperException.NoNodeException missing) {
            view.markStale();
            reply(createGroup(ops, initialData()));
            reconciler.kick(); // list again, now that the group is there
            throw missing;
        } catch (KeeperException e) {
            view.markStale();
            throw e;
        }
    }

    /** Takes in the set a read returns; stores the builder's set when the group has none yet. */
    private void readPartitions(long sid, CompletableFuture<AsyncOps.NodeData> read)
            throws KeeperException, InterruptedException {
        AsyncOps.NodeData node;
        try {
            node = reply(read);
        } catch (KeeperException e) {
            view.markPartitionsDirty(); // read again on the next run
            throw e;
        }
        List<String> stored = PartitionSet.decode(node.data(), group);
        if (!stored.isEmpty() || initialPartitions.isEmpty()) {
            if (!initialPartitions.isEmpty() && !stored.equals(initialPartitions)) {
                log.debug("{} uses the group's stored partition set, not its builder's", this);
            }
            view.partitionsRead(stored, node.stat().getMzxid());
            return;
        }
        try {
            Stat stat = reply(session.opsFor(sid).setData(group, initialData(), node.stat().getVersion()));
            view.partitionsRead(initialPartitions, stat.getMzxid());
        } catch (KeeperException.BadVersionException someoneElse) {
            reconciler.kick(); // another member stored a set first; its change event marks it to read
        }
    }

    private void join(long sid) throws KeeperException, InterruptedException {
        AsyncOps ops = session.opsFor(sid);
        try {
            reply(ops.create(memberPath, new byte[0], CreateMode.EPHEMERAL));
            memberSession = sid;
            log.info("{} joined {} in session 0x{}", memberId, group, Long.toHexString(sid));
            return;
        } catch (KeeperException.NodeExistsException e) {
            // ours if an earlier create landed with its reply lost; else wait for its deletion event
        }
        Stat stat = reply(ops.exists(memberPath, null));
        if (stat != null && stat.getEphemeralOwner() == sid) {
            memberSession = sid;
        } else if (stat == null) {
            reconciler.kick(); // gone meanwhile: try again
        } else if (warnedHolder != stat.getEphemeralOwner()) {
            warnedHolder = stat.getEphemeralOwner();
            log.warn("Member {} of {} is held by session 0x{} (an earlier session of ours, or a duplicate id);"
                    + " joining when it goes", memberId, group, Long.toHexString(warnedHolder));
        }
    }

    /**
     * Gives up what is no longer ours: revokes, waits for the callbacks to return, then deletes the
     * owner nodes. A partition whose owner node someone deleted is revoked only.
     */
    private void release(long sid, SortedSet<String> target) throws InterruptedException {
        Map<String, Long> leaving = new LinkedHashMap<>();
        CompletableFuture<Void> last = null;
        synchronized (lock) {
            for (Map.Entry<String, Long> e : List.copyOf(owned.entrySet())) {
                boolean lost = !view.hasOwner(e.getKey());
                if (lost || !target.contains(e.getKey())) {
                    leaving.put(e.getKey(), lost ? 0L : e.getValue());
                    last = revokeLocked(e.getKey());
                }
            }
        }
        if (last == null) {
            return;
        }
        awaitCallbacks(last); // release before acquire: nobody can take these until their nodes go
        leaving.forEach((partition, token) -> {
            if (token != 0) {
                session.release(ownerPath(partition), sid, token);
            }
        });
    }

    private static void awaitCallbacks(CompletableFuture<Void> last) throws InterruptedException {
        try {
            last.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause()); // never: callbacks complete normally
        }
    }

    /**
     * Takes what is ours and free: re-reads our unsure nodes (after a sync, so that the read is not
     * older than the truth) and creates the free ones, all pipelined.
     */
    private void acquire(long sid, SortedSet<String> target) throws KeeperException, InterruptedException {
        AsyncOps ops = session.opsFor(sid);
        Map<String, Claim> toCheck = new TreeMap<>();
        List<String> toCreate = new ArrayList<>();
        synchronized (lock) {
            for (Map.Entry<String, Claim> e : List.copyOf(unsure.entrySet())) {
                if (!target.contains(e.getKey())) {
                    unsure.remove(e.getKey()); // revoked already: delete it if it is ours
                    Claim c = e.getValue();
                    session.deleteOwned(ownerPath(e.getKey()), sid, c.exact() ? c.czxid() : 0);
                }
            }
            for (String partition : target) {
                if (unsure.containsKey(partition)) {
                    toCheck.put(partition, unsure.get(partition));
                } else if (!owned.containsKey(partition) && !view.hasOwner(partition)) {
                    toCreate.add(partition);
                }
            }
        }
        if (toCheck.isEmpty() && toCreate.isEmpty()) {
            return;
        }
        Map<String, CompletableFuture<Stat>> reads = new TreeMap<>();
        if (!toCheck.isEmpty()) {
            ops.sync(view.ownersPath()); // why not awaited: the session applies it before the reads
            toCheck.keySet().forEach(p -> reads.put(p, ops.exists(ownerPath(p), null)));
        }
        Map<String, CompletableFuture<AsyncOps.Created>> creates = new TreeMap<>();
        for (String partition : toCreate) {
            // why pipelined: every create goes out back to back, one round trip for all
            creates.put(partition, ops.create(ownerPath(partition), memberBytes, CreateMode.EPHEMERAL));
        }
        KeeperException first = checkClaims(sid, toCheck, reads);
        KeeperException second = takeCreated(sid, creates);
        if (first != null || second != null) {
            throw first != null ? first : second;
        }
    }

    private KeeperException checkClaims(long sid, Map<String, Claim> claims, Map<String, CompletableFuture<Stat>> reads)
            throws InterruptedException {
        KeeperException failure = null;
        for (Map.Entry<String, CompletableFuture<Stat>> read : reads.entrySet()) {
            String partition = read.getKey();
            try {
                Stat stat = reply(read.getValue());
                synchronized (lock) {
                    unsure.remove(partition);
                }
                if (claims.get(partition).matches(stat, sid)) {
                    take(sid, partition, stat.getCzxid());
                }
            } catch (KeeperException e) {
                failure = failure == null ? e : failure; // still unsure: checked on the next run
            }
        }
        return failure;
    }

    private KeeperException takeCreated(long sid, Map<String, CompletableFuture<AsyncOps.Created>> creates)
            throws InterruptedException {
        KeeperException failure = null;
        for (Map.Entry<String, CompletableFuture<AsyncOps.Created>> create : creates.entrySet()) {
            String partition = create.getKey();
            try {
                take(sid, partition, reply(create.getValue()).stat().getCzxid());
            } catch (KeeperException.NodeExistsException taken) {
                // its creation event is in the view already; its deletion event kicks a run
            } catch (KeeperException e) {
                if (ZkClient.isRetryable(e.code())) {
                    synchronized (lock) {
                        unsure.put(partition, new Claim(lastTokens.getOrDefault(partition, 0L), false));
                    }
                }
                failure = failure == null ? e : failure;
            }
        }
        return failure;
    }

    /** Our owner node for {@code partition} exists with {@code token}: own it, unless we may not just now. */
    private void take(long sid, String partition, long token) {
        synchronized (lock) {
            lastTokens.merge(partition, token, Math::max);
            if (session.sessionId() != sid) {
                return; // it went with its session
            }
            if (lifecycle.get() == Lifecycle.CLOSED || (suspended && !keepWhileSuspended)) {
                unsure.put(partition, new Claim(token, true)); // checked on reconnection, deleted on leaving
                return;
            }
            owned.put(partition, token);
            ownedSession = sid;
            log.info("{} owns partition {} with token {}", memberId, partition, token);
            callback(() -> listener.assigned(partition, token));
        }
    }

    private boolean settled(long sid, SortedSet<String> target) {
        if (memberSession != sid || session.sessionId() != sid || !view.isListedIn(sid)) {
            return false;
        }
        for (String partition : view.partitions()) {
            if (!view.hasOwner(partition)) {
                return false;
            }
        }
        synchronized (lock) {
            return !suspended && unsure.isEmpty() && owned.keySet().equals(target);
        }
    }

    /** After close: revoke everything, delete our nodes, stop watching. */
    private void leave() throws InterruptedException {
        if (left) {
            return;
        }
        Map<String, Long> mine;
        Map<String, Claim> maybe;
        long sid;
        CompletableFuture<Void> last;
        synchronized (lock) {
            mine = new TreeMap<>(owned);
            maybe = new HashMap<>(unsure);
            sid = ownedSession;
            unsure.clear();
            last = revokeAllLocked();
        }
        try {
            awaitCallbacks(last);
            mine.forEach((partition, token) -> session.release(ownerPath(partition), sid, token));
            long now = session.sessionId();
            maybe.forEach((p, c) -> session.deleteOwned(ownerPath(p), now, c.exact() ? c.czxid() : 0));
            if (memberSession != 0 && memberSession == now) {
                session.release(memberPath, now, 0);
            } else if (now != 0) {
                session.deleteOwned(memberPath, now); // a join whose reply was lost may have landed
            }
            stopWatching();
        } finally {
            session.removeListener(stateListener);
            memberSession = 0;
            left = true;
            log.info("{} left {}", memberId, group);
        }
    }

    private void stopWatching() {
        if (watcher != null && watchedSession == session.sessionId() && session.isConnected()) {
            // best effort, not waited for: frees the client's watch table of our watcher
            session.ops().removeWatches(group, watcher, Watcher.WatcherType.Any).exceptionally(e -> null);
        }
    }

    private void failed(KeeperException e) {
        Code code = e.code();
        if (code == Code.NONODE) {
            view.markStale(); // part of the group was deleted: the next listing makes it again
            reconciler.kick();
            return;
        }
        if (code == Code.OPERATIONTIMEOUT && session.isConnected()) {
            // a reply slower than its wait on a live connection: no state change follows to run again
            reconciler.kick();
            return;
        }
        if (ZkClient.isRetryable(code) || code == Code.SESSIONEXPIRED) {
            return; // the state change that follows runs again
        }
        refusal = e;
        log.error("{} cannot share partitions: {}; trying again on the next connection state change", this, code);
    }

    // ---- requests ------------------------------------------------------------------------------

    /** Waits for a reply at most a session timeout: a dead connection fails it sooner anyway. */
    private <T> T reply(CompletableFuture<T> future) throws KeeperException, InterruptedException {
        return Deadline.none().atMost(session.sessionTimeoutNanos()).join(future);
    }

    private String ownerPath(String partition) {
        return ZkPaths.join(view.ownersPath(), partition);
    }

    private byte[] initialData() {
        return initialPartitions.isEmpty() ? new byte[0]
                : PartitionSet.encode(initialPartitions, session.maxDataBytes());
    }

    private Void writePartitions(byte[] data, Deadline deadline) throws KeeperException, InterruptedException {
        try {
            deadline.join(session.ops().setData(group, data, -1));
        } catch (KeeperException.NoNodeException e) {
            deadline.join(createGroup(session.ops(), data));
            deadline.join(session.ops().setData(group, data, -1)); // made by someone else meanwhile, maybe
        }
        return null;
    }

    /** Creates the group node (persistent, holding {@code data}) and its two folders, where missing. */
    private CompletableFuture<Void> createGroup(AsyncOps ops, byte[] data) {
        return createStructure(ops, data).exceptionallyCompose(e -> AsyncOps.codeOf(e) != Code.NONODE
                ? CompletableFuture.failedFuture(e)
                : ops.ensureContainers(ZkPaths.parent(group)).thenCompose(v -> createStructure(ops, data)));
    }

    private CompletableFuture<Void> createStructure(AsyncOps ops, byte[] data) {
        // why pipelined: the three creates go out back to back, one round trip
        CompletableFuture<Void> node = created(ops.create(group, data, CreateMode.PERSISTENT));
        CompletableFuture<Void> members = created(ops.create(view.membersPath(), new byte[0], CreateMode.PERSISTENT));
        CompletableFuture<Void> owners = created(ops.create(view.ownersPath(), new byte[0], CreateMode.PERSISTENT));
        return node.thenCompose(v -> members).thenCompose(v -> owners);
    }

    private static CompletableFuture<Void> created(CompletableFuture<AsyncOps.Created> create) {
        return create.<Void>thenApply(c -> null).exceptionallyCompose(e -> AsyncOps.codeOf(e) == Code.NODEEXISTS
                ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(e));
    }

    /** Settings of a {@link Partitioner}; each setter checks its argument at once. */
    public static final class Builder {
        private final Session session;
        private final String group;
        private final String memberId;
        private List<String> partitions = List.of();
        private PartitionListener listener = new PartitionListener() {
            @Override
            public void assigned(String partition, long token) {
            }

            @Override
            public void revoked(String partition) {
            }
        };
        private Executor executor;
        private boolean keepWhileSuspended;

        private Builder(ZkClient client, String path, String memberId) {
            Objects.requireNonNull(client, "client");
            ZkPaths.validate(path, "path");
            if (path.equals("/")) {
                throw new IllegalArgumentException("path must not be '/': the group needs a node of its own");
            }
            this.memberId = ZkPaths.validateSegment(memberId, "memberId");
            this.session = Session.of(client);
            session.requireOpen();
            this.group = path;
        }

        /** Partitions {@code "0"} to {@code "count-1"}, stored if the group has no set yet (default: none). */
        public Builder partitions(int count) {
            this.partitions = PartitionSet.numbered(count, session.maxDataBytes());
            return this;
        }

        /** These partitions, stored if the group has no set yet (default: none, the stored set is used). */
        public Builder partitions(Collection<String> names) {
            List<String> checked = PartitionSet.checked(names);
            PartitionSet.encode(checked, session.maxDataBytes());
            this.partitions = checked;
            return this;
        }

        /** Told of assignments and revocations (default: nobody; {@link Partitioner#owned()} still tells). */
        public Builder listener(PartitionListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Where the listener runs, one call at a time and in order (default: a lane of its own). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Keep partitions while the connection is down and the session may be alive (default false:
         * revoke them at once). Saves moving work around on short disconnections, at the risk of
         * working on a partition that another member has taken once the session turns out expired.
         */
        public Builder keepWhileSuspended(boolean keep) {
            this.keepWhileSuspended = keep;
            return this;
        }

        /** A member, not yet started. Sends nothing and registers nothing. */
        public Partitioner build() {
            return new Partitioner(this);
        }
    }
}
