package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.EventBus;
import io.zkrecipes.core.internal.ProtectedCreate;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Sequences;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A participant in a leader election: the participant whose node has the lowest sequence under
 * the election path leads; each other one watches only the node just ahead of it, so a leader's
 * exit wakes one participant, which then leads without sending a request.
 *
 * <pre>{@code
 * try (LeaderElection election = LeaderElection.builder(client, "/elections/master", "node-1")
 *         .listener(listener).build()) {
 *     election.start();
 *     if (election.awaitLeadership(Duration.ofSeconds(30))) {
 *         long token = election.fencingToken().orElseThrow(); // for writes elsewhere
 *     }
 * }
 * }</pre>
 *
 * <p><b>Liveness.</b> Leadership is reported only while the client's session is live and is the
 * session that owns the leader's node: once the client has been disconnected for longer than the
 * session timeout it is not, even before a server can say so. On {@code SUSPENDED} a leader also
 * steps down at once (unless {@link Builder#stepDownOnSuspended(boolean) disabled}) but keeps its
 * node; when the connection comes back on the same session it reads its node once and, if it is
 * still there, leads again with the same node and fencing token. If its node is gone (deleted, or
 * with the election's parent, or with its session) it joins again at the back. With a
 * {@link Builder#runWhileLeading leader task} a term ends when its task ends: without
 * {@link Builder#autoRequeue autoRequeue} the node is given up and the participant stays out until
 * {@link #resign()}; with it, a participant whose task is still running when the node is read again
 * gives the node up and joins again at the back, with a new fencing token.
 *
 * <p><b>Participant data</b> (the id and {@link Builder#data(byte[])}) is written once, when the
 * node is created, and never changes for the node's life: a change of a member node's data is how
 * the line tells a hand-off, so nobody may write to an election's nodes.
 *
 * <p>Thread-safe. The participant works in the background from {@link #start()} to {@link #close()}
 * on a thread of the client's pool; the leader's task runs on a thread of its own.
 */
public final class LeaderElection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);
    private static final String PREFIX = "member-";
    /** The release marker of the waiting line: a member that leaves after its turn writes it as it deletes its node. */
    private static final byte[] RELEASED = new byte[0];
    /**
     * How long {@link #close()} and {@link #resign()} wait for the leader's task to return once
     * interrupted, and then for the deletion of the node to be confirmed.
     */
    private static final Duration BRIEFLY = Duration.ofMillis(500);

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    /** What the campaign does next with its node. */
    private enum Step { DONE, WAIT, WATCH, VERIFY, LEAD }

    /** Why a term ended. */
    private enum TermEnd { TAKEN, GONE, TASK_DONE, STEPPED_DOWN }

    private final Session session;
    private final String path;
    private final String id;
    private final byte[] content;
    private final byte[] data;
    private final boolean stepDownOnSuspended;
    private final boolean autoRequeue;
    private final LeaderTask task;
    private final List<LeadershipListener> listeners;
    private final Executor lane;
    /** The waits of threads blocked in {@link #awaitLeadership}, fired on every change that may end them. */
    private final Set<Wait> awaiting = ConcurrentHashMap.newKeySet();

    private final Object lock = new Object();
    private Lifecycle lifecycle = Lifecycle.LATENT;
    /** The campaign's one wake-up: watches, state changes, requests of other threads, the task's end. */
    private volatile Wait wake;
    /** False while out of the line until {@link #resign()}: the task returned without auto-requeue, or the join was refused. */
    private boolean inLine = true;
    private ZkRecipeException refusal;
    /** Our node; null while joining or out of the line. Whoever takes it out of this field deletes it. */
    private Member member;
    /** The fencing token of the current term (the czxid of our node), 0 when not leading. */
    private long term;
    private long termStart; // System.nanoTime() when the current term began
    /** The leader's task while it runs. */
    private Thread taskThread;

    private LeaderElection(Builder b) {
        this.session = Session.of(b.client);
        this.path = b.path;
        this.id = b.id;
        this.data = b.data;
        this.content = NodeContent.encode(b.id, b.data);
        this.stepDownOnSuspended = b.stepDownOnSuspended;
        this.autoRequeue = b.autoRequeue;
        this.task = b.task;
        this.listeners = List.copyOf(b.listeners);
        this.lane = b.listenerExecutor != null ? session.userLane(b.listenerExecutor) : session.newCallbackLane();
    }

    /**
     * A builder for a participant of the election at {@code path}, known to others as {@code id}
     * (stored in its node). Nothing is sent until {@link #start()}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code path} is not a valid path or is the root, or {@code id}
     *                                  is empty or contains a NUL character
     */
    public static Builder builder(ZkClient client, String path, String id) {
        return new Builder(client, path, id);
    }

    /**
     * Joins the election in the background and returns at once; the participant leads when its
     * turn comes (see {@link #awaitLeadership} and the listeners). While the client is disconnected
     * it joins once the connection is back.
     *
     * @throws IllegalStateException if already started, closed, or the client is closed
     */
    public void start() {
        synchronized (lock) {
            if (lifecycle != Lifecycle.LATENT) {
                throw new IllegalStateException("election at " + path + " was already started"
                        + (lifecycle == Lifecycle.CLOSED ? " or closed" : ""));
            }
            session.requireOpen();
            lifecycle = Lifecycle.STARTED;
            wake = session.newWait();
        }
        try {
            session.workers().execute(this::campaign);
        } catch (RejectedExecutionException closing) {
            throw new IllegalStateException("client is closed");
        }
    }

    /** Whether this participant leads right now ({@link #fencingToken()} is present). Never blocks. */
    public boolean hasLeadership() {
        return fencingToken().isPresent();
    }

    /**
     * The fencing token of the current term if this participant leads right now, else empty. It
     * is the czxid of the leader's node: strictly greater for every later leader, so a downstream
     * system can reject writes that carry an older one. Leading right now means: started and not
     * closed, our node is first in line and owned by the client's live session, and (unless
     * step-down is disabled) the client is connected and the node has been read again since the
     * last disconnection (so just after {@code RECONNECTED} it is empty for one read). Never blocks.
     */
    public OptionalLong fencingToken() {
        synchronized (lock) {
            return leadsLocked() ? OptionalLong.of(term) : OptionalLong.empty();
        }
    }

    /**
     * Blocks until this participant leads or {@code timeout} passes, whatever the network does.
     *
     * @return {@code true} if it leads, {@code false} at the timeout
     * @throws InterruptedException     if interrupted while waiting
     * @throws IllegalStateException    if not started, or the election or the client is closed (also while waiting)
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws ZkRecipeException        if the server refused to let this participant join (for
     *                                  instance for lack of permission on the election's path): it
     *                                  stays out of the line until {@link #resign()}
     */
    public boolean awaitLeadership(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(Require.nonNegative(timeout, "timeout"));
        try (Wait w = session.newWait()) {
            awaiting.add(w);
            try {
                while (true) {
                    synchronized (lock) {
                        requireStarted();
                        if (refusal != null) {
                            throw refusal;
                        }
                        if (leadsLocked()) {
                            return true;
                        }
                    }
                    if (!w.await(deadline)) {
                        return false;
                    }
                }
            } finally {
                awaiting.remove(w);
            }
        }
    }

    /**
     * The participant that leads now: this one, without a request, when it leads; else the first
     * in line, read with one listing and one read. Empty when the election has no participant.
     * The participant reported may be stepping down at that moment.
     *
     * @throws ZkRecipeException     if the ensemble stays unreachable past the retry policy's deadline, or refuses the read
     * @throws InterruptedException  if interrupted
     * @throws IllegalStateException if the election or the client is closed
     */
    public Optional<Participant> leader() throws InterruptedException {
        synchronized (lock) {
            if (lifecycle == Lifecycle.CLOSED) {
                throw new IllegalStateException("election at " + path + " is closed");
            }
            if (leadsLocked()) {
                return Optional.of(new Participant(id, data, member.name, term));
            }
        }
        // one deadline for the whole call, carried by each request: an untimed join could outlast it
        Deadline deadline = Deadline.after(session.settings().retryPolicy().deadline());
        try {
            while (true) {
                List<String> names = Sequences.sorted(session.retry(deadline,
                        () -> deadline.join(session.ops().getChildren(path, null))).names());
                if (names.isEmpty()) {
                    return Optional.empty();
                }
                String first = names.get(0);
                try {
                    AsyncOps.NodeData d = session.retry(deadline,
                            () -> deadline.join(session.ops().getData(ZkPaths.join(path, first), null)));
                    return Optional.of(NodeContent.decode(d.data(), first, d.stat().getCzxid()));
                } catch (KeeperException.NoNodeException left) {
                    // it left after the listing: list again
                }
            }
        } catch (KeeperException.NoNodeException noElection) {
            return Optional.empty();
        } catch (KeeperException e) {
            throw new ZkRecipeException("read the leader of the election at " + path, e);
        }
    }

    /**
     * Gives up leadership (or the current place in line) and joins again at the back; brings a
     * participant that is out of the line back into it. Leadership ends at once (listeners are
     * told). Then, like {@link #close()}, it interrupts the leader's task and waits for it at most
     * half a second, and deletes the old node, waiting for the reply at most half a second. The
     * new node is created in the background, once the task has returned.
     *
     * @throws IllegalStateException if not started, or closed
     */
    public void resign() {
        Member left;
        Thread running;
        synchronized (lock) {
            requireStarted();
            endTermLocked();
            left = takeMemberLocked();
            running = taskThread;
            inLine = true;
            refusal = null;
            wake.fire();
        }
        awaitTaskBriefly(running);
        if (left != null) {
            awaitBriefly(leave(left));
        }
    }

    /**
     * Applies {@code ops} atomically only if this participant still leads on the server: they run in
     * one {@code multi} behind a check that the leader's node exists, sent on the session that owns
     * it, so the write of a deposed leader fails as a whole. Blocks for one round trip; not retried,
     * since a connection loss leaves its outcome unknown.
     *
     * @param ops the operations (may be empty, to just confirm leadership on the server)
     * @return the results of {@code ops}, in order
     * @throws NullPointerException  if {@code ops} or one of them is null
     * @throws NotLeaderException    if not leading when called, or deposed (nothing applied)
     * @throws ZkRecipeException     if one of {@code ops} failed (nothing applied) or the outcome is unknown
     * @throws InterruptedException  if interrupted while waiting for the reply
     * @throws IllegalStateException if not started, or closed
     */
    public List<OpResult> writeAsLeader(List<Op> ops) throws InterruptedException {
        Objects.requireNonNull(ops, "ops");
        List<Op> all = new ArrayList<>(ops.size() + 1);
        all.add(null); // the check of the leader's node goes first
        for (int i = 0; i < ops.size(); i++) {
            all.add(Objects.requireNonNull(ops.get(i), "ops[" + i + "]"));
        }
        Member leading;
        synchronized (lock) {
            requireStarted();
            if (!leadsLocked()) {
                throw new NotLeaderException(id + " is not the leader of the election at " + path);
            }
            leading = member;
        }
        all.set(0, Op.check(leading.nodePath, -1));
        try {
            List<OpResult> results = Deadline.none().join(session.opsFor(leading.owner).multi(all));
            return List.copyOf(results.subList(1, results.size()));
        } catch (KeeperException e) {
            if (e.code() == KeeperException.Code.SESSIONEXPIRED
                    || (e.code() == KeeperException.Code.NONODE && leading.nodePath.equals(e.getPath()))) {
                throw new NotLeaderException(id + " was deposed as leader of the election at " + path, e);
            }
            throw new ZkRecipeException("write as leader of " + path, e);
        }
    }

    /** This participant's id. */
    public String id() {
        return id;
    }

    /** The election's path. */
    public String path() {
        return path;
    }

    /**
     * Leaves the election. Leadership ends at once (listeners are told); the leader's task is
     * interrupted and waited for at most half a second (not at all when called from the task); then
     * the node is deleted, so that the next participant leads, and the reply waited for at most half
     * a second (when it is slower, or the connection is down, the client's cleanup path finishes the
     * deletion). So it returns within about a second whatever the network or the task does; a task
     * that ignores the interrupt goes on running after it returned. A join still in flight deletes
     * its node as soon as its outcome is known. Idempotent.
     */
    @Override
    public void close() {
        Member left;
        Thread running;
        synchronized (lock) {
            if (lifecycle == Lifecycle.CLOSED) {
                return;
            }
            boolean started = lifecycle == Lifecycle.STARTED;
            lifecycle = Lifecycle.CLOSED;
            endTermLocked();
            left = takeMemberLocked();
            running = taskThread;
            if (started) {
                wake.fire();
            }
        }
        awaiting.forEach(Wait::fire);
        awaitTaskBriefly(running);
        if (left != null) {
            awaitBriefly(leave(left));
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "LeaderElection[" + path + ", id=" + id + ", " + lifecycle
                    + (member == null ? "" : ", node=" + member.name) + (term == 0 ? "" : ", leading") + "]";
        }
    }

    // ---- the campaign, on a thread of the client's pool -----------------------------------------

    /** Joins, waits in line and leads, over and over, until closed or the client closes. */
    private void campaign() {
        try {
            while (readyToJoin()) {
                Member joined = join();
                if (joined != null) {
                    follow(joined);
                }
            }
        } catch (IllegalStateException clientClosed) {
            log.debug("Election at {} ends: {}", path, clientClosed.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the client's pool is going away
        } finally {
            Member left;
            synchronized (lock) {
                endTermLocked();
                left = takeMemberLocked();
            }
            if (left != null) {
                leave(left);
            }
            wake.close();
        }
    }

    /** Waits until the participant may join: in line, connected, its last task returned; false once closed. */
    private boolean readyToJoin() throws InterruptedException {
        while (true) {
            synchronized (lock) {
                if (lifecycle == Lifecycle.CLOSED) {
                    return false;
                }
                if (inLine && taskThread == null && session.isConnected()) {
                    return true;
                }
            }
            wake.await(Deadline.none());
        }
    }

    /** One join at the back of the line (create and list pipelined: one round trip); null if it failed. */
    private Member join() throws InterruptedException {
        try {
            Member joined = new Member(ProtectedCreate.createAndList(session, path, PREFIX, content, Deadline.none()));
            synchronized (lock) {
                if (lifecycle == Lifecycle.CLOSED || !inLine) {
                    leave(joined); // closed while joining
                    return null;
                }
                member = joined;
            }
            // the watch on our own node, sent right behind the join: set (and its reply back) by the
            // time we are first, so that a fail-over needs no request
            joined.readOwn();
            log.debug("Joined the election at {} as {}", path, joined.name);
            return joined;
        } catch (KeeperException e) {
            if (e.code() != KeeperException.Code.SESSIONEXPIRED && !ZkClient.isRetryable(e.code())) {
                refuse(new ZkRecipeException("join the election at " + path, e));
            } else {
                pauseAfterFailure();
            }
            return null;
        }
    }

    /** Refused by the server (permissions): retrying cannot help, so stay out until resign(). */
    private void refuse(ZkRecipeException e) {
        log.error("Gave up the election at {}: {}", path, e.getMessage());
        synchronized (lock) {
            refusal = e;
            inLine = false;
        }
        awaiting.forEach(Wait::fire);
    }

    /** Waits in line with {@code m} and leads whenever it may, until the node is given up. */
    private void follow(Member m) throws InterruptedException {
        while (true) {
            Step step;
            synchronized (lock) {
                step = nextStepLocked(m);
            }
            switch (step) {
                case DONE -> {
                    return;
                }
                case WAIT -> wake.await(Deadline.none());
                case WATCH -> watchBlocker(m);
                case VERIFY -> {
                    m.readOwn(); // after a disconnection: is our node still there? (one read)
                    wake.await(Deadline.none());
                }
                case LEAD -> {
                    if (!lead(m)) {
                        return;
                    }
                }
            }
        }
    }

    private Step nextStepLocked(Member m) {
        if (member != m) {
            return Step.DONE; // taken by close() or resign(), which delete it
        }
        if (m.gone || session.sessionId() != m.owner) {
            dropLocked(m); // deleted, or gone with its session: join again
            return Step.DONE;
        }
        if (!session.isConnected()) {
            return Step.WAIT; // suspended: keep the node, wait for the connection
        }
        if (m.blocker != null) {
            return Step.WATCH;
        }
        if (!m.verified()) {
            return Step.VERIFY;
        }
        if (taskThread != null) {
            dropLocked(m); // the last task has not returned yet: let the line move on, join again once it has
            return Step.DONE;
        }
        return Step.LEAD;
    }

    /** Watches the node just ahead until it goes; learns who is ahead now. */
    private void watchBlocker(Member m) throws InterruptedException {
        String blocker = m.blocker; // only the campaign thread changes it
        BlockerWatch watch = new BlockerWatch(ZkPaths.join(path, blocker));
        m.watching = watch;
        Deadline untimed = Deadline.none();
        try {
            session.retry(untimed, () -> untimed.join(session.opsFor(m.owner).getData(watch.path, watch)));
        } catch (KeeperException.NoNodeException gone) {
            relist(m);
            return;
        } catch (KeeperException e) {
            log.debug("Could not watch {} in the election at {}: {}", blocker, path, e.code());
            pauseAfterFailure(); // then: the node gone with its session, or wait for the connection, or try again
            return;
        }
        while (watch.event == null) {
            if (!holds(m)) {
                return; // given up meanwhile
            }
            wake.await(untimed);
        }
        if (!holds(m)) {
            return;
        }
        if (watch.event == EventType.NodeDataChanged) {
            // the release marker: it left after its turn, so everyone ahead of it had gone (members
            // ahead only leave, never arrive) and we are first, without a request
            synchronized (lock) {
                m.blocker = null;
            }
        } else {
            relist(m); // deleted for another reason (gave up, session ended): who is ahead now?
        }
    }

    /** One listing: who is just ahead of us, or whether our own node is gone. */
    private void relist(Member m) throws InterruptedException {
        Deadline untimed = Deadline.none();
        try {
            List<String> names = session.retry(untimed,
                    () -> untimed.join(session.opsFor(m.owner).getChildren(path, null))).names();
            synchronized (lock) {
                if (names.contains(m.name)) {
                    m.blocker = predecessor(names, m.sequence);
                } else {
                    m.gone = true;
                }
            }
        } catch (KeeperException.NoNodeException noParent) {
            m.gone = true; // the election's node was deleted, and ours with it
        } catch (KeeperException e) {
            log.debug("Could not list the election at {}: {}", path, e.code());
            pauseAfterFailure();
        }
    }

    /** A pause before trying again while connected but failing; a lost connection is waited for instead. */
    private void pauseAfterFailure() throws InterruptedException {
        if (session.isConnected()) {
            wake.await(Deadline.none().atMost(session.settings().retryPolicy().maxPause().toNanos()));
        }
    }

    /** Leads with {@code m} until the term ends; whether the participant keeps the node. */
    private boolean lead(Member m) throws InterruptedException {
        long token = m.czxid;
        synchronized (lock) {
            term = token;
            termStart = System.nanoTime();
            session.events().leadershipGained(path);
            log.debug("{} leads the election at {} with {}", id, path, m.name);
            notifyListeners(l -> l.leadershipGained(this, token));
            if (task != null) {
                taskThread = startTask(token);
            }
        }
        awaiting.forEach(Wait::fire);
        while (true) {
            synchronized (lock) {
                TermEnd end = termEndLocked(m, token);
                if (end != null) {
                    return afterTermLocked(m, end);
                }
            }
            wake.await(Deadline.none());
        }
    }

    /** Why the term with token {@code token} ended, ending it; null while it goes on. */
    private TermEnd termEndLocked(Member m, long token) {
        if (term != token || member != m) {
            return TermEnd.TAKEN; // close() or resign() ended it
        }
        TermEnd end = m.gone || session.sessionId() != m.owner ? TermEnd.GONE
                : task != null && taskThread == null ? TermEnd.TASK_DONE
                : stepDownOnSuspended && !(session.isConnected() && m.verified()) ? TermEnd.STEPPED_DOWN : null;
        if (end == null) {
            if (session.isConnected() && !m.verified()) {
                m.readOwn(); // leading through a suspension: check the node once the connection is back
            }
            return null;
        }
        endTermLocked();
        return end;
    }

    /** What the end of a term means for the node; whether the participant keeps it. */
    private boolean afterTermLocked(Member m, TermEnd end) {
        boolean staysOut = task != null && !autoRequeue;
        if (end == TermEnd.TAKEN) {
            return false;
        }
        if (end == TermEnd.STEPPED_DOWN && !staysOut) {
            return true; // lead again with the same node once the connection is back and the node verified
        }
        dropLocked(m);
        if (staysOut) {
            inLine = false; // the task's spell is over: out of the line until resign()
        }
        return false;
    }

    /** Ends the current term, if any: listeners are told, the task is interrupted. */
    private void endTermLocked() {
        if (term == 0) {
            return;
        }
        term = 0;
        session.events().leadershipLost(path, EventBus.since(termStart));
        notifyListeners(l -> l.leadershipLost(this));
        if (taskThread != null) {
            taskThread.interrupt(); // the user's task: interrupted when leadership ends
        }
    }

    private boolean leadsLocked() {
        Member m = member;
        return lifecycle == Lifecycle.STARTED && term != 0 && m != null && m.czxid == term && !m.gone
                && session.sessionId() == m.owner && (!stepDownOnSuspended || (session.isConnected() && m.verified()));
    }

    private boolean holds(Member m) {
        synchronized (lock) {
            return member == m && !m.gone && session.sessionId() == m.owner;
        }
    }

    private Member takeMemberLocked() {
        Member m = member;
        member = null;
        return m;
    }

    private void dropLocked(Member m) {
        if (member == m) {
            member = null;
        }
        leave(m);
    }

    /**
     * Deletes our node, on the session that owns it: once it was first, with the release marker in
     * the same multi, so that the next participant knows it is first without a request. Does not
     * wait; an unknown outcome goes to the client's cleanup path.
     *
     * @return completed once the reply is in (or when nothing was sent)
     */
    private CompletableFuture<?> leave(Member m) {
        if (session.sessionId() != m.owner) {
            return CompletableFuture.completedFuture(null); // the node goes (or went) with its session
        }
        try {
            AsyncOps ops = session.opsFor(m.owner);
            BlockerWatch watch = m.watching;
            if (watch != null && watch.event == null) {
                // so that a node ahead that stays does not pin this participant (sent with the delete)
                ops.removeWatches(watch.path, watch, Watcher.WatcherType.Data);
            }
            CompletableFuture<?> sent = m.blocker == null
                    ? ops.multi(List.of(Op.setData(m.nodePath, RELEASED, m.version), Op.delete(m.nodePath, -1)))
                    : ops.delete(m.nodePath, -1);
            return sent.whenComplete((done, failure) -> {
                KeeperException.Code code = failure == null ? KeeperException.Code.OK : AsyncOps.codeOf(failure);
                if (code == KeeperException.Code.BADVERSION) {
                    log.error("Election node {} had its data changed by someone else; member data must never change",
                            m.nodePath);
                }
                if (code != KeeperException.Code.OK && code != KeeperException.Code.NONODE
                        && code != KeeperException.Code.SESSIONEXPIRED) {
                    session.deleteOwned(m.nodePath, m.owner, m.czxid);
                }
            });
        } catch (IllegalStateException clientClosed) {
            return CompletableFuture.completedFuture(null); // the node goes with the session
        }
    }

    /** Waits for a deletion's reply at most {@link #BRIEFLY}: the cleanup path finishes a slow one. */
    private static void awaitBriefly(CompletableFuture<?> deleted) {
        try {
            deleted.get(BRIEFLY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // unknown outcome: the cleanup path has it
        }
    }

    // ---- the leader's task and the listeners ---------------------------------------------------

    private Thread startTask(long token) {
        Thread t = new Thread(() -> runTask(token), "zk-election-task-" + id);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void runTask(long token) {
        try {
            task.lead(token);
        } catch (InterruptedException e) {
            log.debug("Leader task of {} (token {}) interrupted", id, token);
        } catch (RuntimeException e) {
            log.warn("Leader task of {} (token {}) failed", id, token, e);
        } finally {
            synchronized (lock) {
                if (taskThread == Thread.currentThread()) {
                    taskThread = null;
                }
            }
            wake.fire();
        }
    }

    /** Waits briefly for an interrupted task: user code is never waited for longer than {@link #BRIEFLY}. */
    private static void awaitTaskBriefly(Thread running) {
        if (running == null || running == Thread.currentThread()) {
            return;
        }
        try {
            running.join(BRIEFLY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands a call to every listener; under the lock, so the lane keeps the order of the changes. */
    private void notifyListeners(Consumer<LeadershipListener> call) {
        for (LeadershipListener l : listeners) {
            try {
                lane.execute(() -> call.accept(l));
            } catch (RejectedExecutionException e) {
                log.debug("Listener of the election at {} not told: its executor refused", path);
            }
        }
    }

    private void requireStarted() {
        if (lifecycle != Lifecycle.STARTED) {
            throw new IllegalStateException("election at " + path + " is "
                    + (lifecycle == Lifecycle.CLOSED ? "closed" : "not started"));
        }
    }

    /** The member just ahead of sequence {@code mine} in {@code names}, or null when none is. */
    private static String predecessor(List<String> names, long mine) {
        String ahead = null;
        long best = -1;
        for (String name : names) {
            long seq = Sequences.sequence(name);
            if (seq >= 0 && seq < mine && seq > best) {
                best = seq;
                ahead = name;
            }
        }
        return ahead;
    }

    /**
     * Our node in the line, and the watch on it. ZooKeeper hands every registered watcher each
     * connection event on its event thread, in order, so a disconnection is counted here before a
     * later reconnection can be seen; the node is verified when a read sent since the last
     * disconnection found it. A deletion (by an administrator, or with the election's node) is
     * seen at once.
     */
    private final class Member implements Watcher {
        final String nodePath;
        final String name;
        final long sequence;
        final long owner;
        final long czxid;
        final int version;
        /** The node just ahead, null once first. Changed by the campaign thread under the lock. */
        String blocker;
        /** The watch on the node just ahead, removed when we leave first. */
        volatile BlockerWatch watching;
        volatile boolean gone;
        private volatile long disconnects; // written by ZooKeeper's event thread only
        private volatile long verifiedAt = -1;
        private final AtomicBoolean reading = new AtomicBoolean();

        Member(ProtectedCreate.Result joined) {
            this.nodePath = joined.node().path();
            this.name = joined.name();
            this.sequence = Sequences.sequence(name);
            this.owner = joined.node().stat().getEphemeralOwner();
            this.czxid = joined.node().stat().getCzxid();
            this.version = joined.node().stat().getVersion();
            this.blocker = predecessor(joined.siblings(), sequence);
        }

        boolean verified() {
            return !gone && verifiedAt == disconnects;
        }

        /** Reads the node with this watch set, unless a read is in flight; never blocks. */
        void readOwn() {
            if (!reading.compareAndSet(false, true)) {
                return;
            }
            long mark = disconnects;
            try {
                session.opsFor(owner).getData(nodePath, this).whenComplete((d, failure) -> {
                    reading.set(false);
                    if (failure == null) {
                        if (d.stat().getEphemeralOwner() == owner) {
                            verifiedAt = mark;
                        } else {
                            gone = true;
                        }
                    } else if (AsyncOps.codeOf(failure) == KeeperException.Code.NONODE
                            || AsyncOps.codeOf(failure) == KeeperException.Code.SESSIONEXPIRED) {
                        gone = true;
                    }
                    wake.fire();
                });
            } catch (IllegalStateException clientClosed) {
                reading.set(false);
            }
        }

        @Override
        public void process(WatchedEvent event) {
            switch (event.getType()) {
                case None -> {
                    if (event.getState() == Event.KeeperState.Disconnected) {
                        disconnects++;
                    }
                }
                case NodeDeleted -> gone = true;
                default -> verifiedAt = -1; // the one-shot watch fired: read again to set it again
            }
            wake.fire();
        }
    }

    /** A one-shot watch on the node just ahead; connection events only wake the campaign. */
    private final class BlockerWatch implements Watcher {
        final String path;
        volatile EventType event;

        BlockerWatch(String path) {
            this.path = path;
        }

        @Override
        public void process(WatchedEvent e) {
            if (e.getType() != EventType.None) {
                event = e.getType();
            }
            wake.fire();
        }
    }

    /**
     * Settings of a {@link LeaderElection}; each setter checks its argument at once. Not thread-safe.
     */
    public static final class Builder {
        final ZkClient client;
        final String path;
        final String id;
        byte[] data = new byte[0];
        boolean stepDownOnSuspended = true;
        boolean autoRequeue;
        LeaderTask task;
        Executor listenerExecutor;
        final List<LeadershipListener> listeners = new ArrayList<>();

        private Builder(ZkClient client, String path, String id) {
            this.client = Objects.requireNonNull(client, "client");
            this.path = ZkPaths.validate(path, "path");
            if (path.equals("/")) {
                throw new IllegalArgumentException("path must not be the root: give the election its own node");
            }
            this.id = NodeContent.checkId(id);
        }

        /**
         * Data published beside the id (e.g. the leader's address), read by {@link LeaderObserver}s
         * and {@link LeaderElection#leader()}. It is written once, with the node, and is immutable
         * for the node's life: to publish other data, close this participant and start another.
         * Default: none.
         *
         * @throws NullPointerException     if {@code data} is null
         * @throws IllegalArgumentException if the id and the data do not fit in a node
         */
        public Builder data(byte[] data) {
            this.data = NodeContent.checkData(id, data, client.maxDataBytes()).clone();
            return this;
        }

        /** Adds a listener told of gained and lost leadership, in order, on the listener executor. */
        public Builder listener(LeadershipListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * The executor listeners run on (calls stay one at a time, in order). Tasks reach it from a
         * lane of the client's, never from ZooKeeper's threads, so it may run them at once.
         * Default: a callback lane of the client's, off its event threads.
         */
        public Builder listenerExecutor(Executor executor) {
            this.listenerExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Whether a leader steps down when the connection is suspended (default {@code true}, safe).
         * With {@code false} it keeps leading while disconnected until the session timeout has
         * passed since the disconnection (the client then takes its session as lost): two
         * participants may both believe they lead for up to about a session timeout.
         */
        public Builder stepDownOnSuspended(boolean stepDown) {
            this.stepDownOnSuspended = stepDown;
            return this;
        }

        /**
         * Runs {@code task} on a thread of its own each time this participant gains leadership; the
         * thread is interrupted when leadership ends, and leadership is given up when the task
         * returns. {@link LeaderElection#close()} and {@link LeaderElection#resign()} wait for an
         * interrupted task only briefly; the participant does not join again before its last task
         * has returned.
         */
        public Builder runWhileLeading(LeaderTask task) {
            this.task = Objects.requireNonNull(task, "task");
            return this;
        }

        /**
         * With {@link #runWhileLeading}: whether the participant joins again after its task returned
         * or its leadership was lost (default {@code false}: it stays out until {@link #resign()} or
         * close).
         */
        public Builder autoRequeue(boolean requeue) {
            this.autoRequeue = requeue;
            return this;
        }

        /**
         * Makes the participant; sends nothing.
         *
         * @throws IllegalStateException if auto-requeue was asked without a task
         */
        public LeaderElection build() {
            if (autoRequeue && task == null) {
                throw new IllegalStateException("autoRequeue needs runWhileLeading(task)");
            }
            return new LeaderElection(this);
        }
    }
}
