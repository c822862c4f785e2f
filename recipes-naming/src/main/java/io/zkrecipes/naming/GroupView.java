package io.zkrecipes.naming;

import io.zkrecipes.core.internal.AsyncOps.NodeData;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.Require;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live list of a group's members (see {@link GroupMember}), with listeners told when members
 * join, leave or change their data.
 *
 * <p>{@link #members()} reads the cache and never blocks. On {@code SUSPENDED} the last list is
 * kept; after a reconnection the group is listed again, after {@code LOST} every member is read
 * again, so the view converges by itself. A member that re-joins after losing its session is
 * reported as having left, then joined.
 *
 * <p>Listeners run on the view's own thread, one event at a time, in order of changes, outside any
 * lock; they must not block for long. Thread-safe.
 */
public final class GroupView implements AutoCloseable {
    /** A member as last seen: its id, its data and the zxid of its joining (which grows with each re-join). */
    public record Member(String id, byte[] data, long joinZxid) {
        /** A copy of the member's data. */
        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    /** Told of membership changes. Every method does nothing by default. */
    public interface Listener {
        /** {@code member} joined. */
        default void memberJoined(Member member) {
        }

        /** {@code member} (as last seen) left, or its session ended. */
        default void memberLeft(Member member) {
        }

        /** A member's data changed. */
        default void memberUpdated(Member before, Member after) {
        }
    }

    private static final Logger log = LoggerFactory.getLogger(GroupView.class);

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private final String groupPath;
    private final ScheduledExecutorService executor = Reconciler.newThread("group-view");
    private final ChildrenCache cache;
    private final TreeMap<String, Member> byId = new TreeMap<>(); // executor thread only
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private volatile List<Member> members = List.of();

    /**
     * @param client    the client to use; it is not closed by {@link #close()}
     * @param groupPath the group's node, like {@code /groups/workers}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the path is invalid
     * @throws IllegalStateException    if the client is closed
     */
    public GroupView(ZkClient client, String groupPath) {
        Names.checkClient(client);
        this.groupPath = ZkPaths.validate(groupPath, "groupPath");
        this.cache = new ChildrenCache(client, groupPath, new Sink(), executor);
    }

    /**
     * Starts following the group; returns at once (see {@link #awaitInitialized}).
     *
     * @throws IllegalStateException if already started or closed
     */
    public void start() {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("view of " + groupPath + " was already started");
        }
        cache.start();
    }

    /**
     * Waits until the first list has been read, at most {@code timeout}.
     *
     * @return whether it has
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if not started, or closed
     * @throws InterruptedException     if interrupted while waiting
     */
    public boolean awaitInitialized(Duration timeout) throws InterruptedException {
        Require.nonNegative(timeout, "timeout");
        requireStarted();
        return cache.awaitInitialized(timeout);
    }

    /**
     * The live members, sorted by id; an immutable snapshot. Never blocks.
     *
     * @throws IllegalStateException if not started, or closed
     */
    public List<Member> members() {
        requireStarted();
        return members;
    }

    /**
     * Adds a listener for changes from now on.
     *
     * @throws NullPointerException  if {@code listener} is null
     * @throws IllegalStateException if closed
     */
    public void addListener(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("view of " + groupPath + " is closed");
        }
        listeners.add(listener);
    }

    /** Removes a listener; nothing if it was not added. */
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** Stops following the group; the client is not closed. Idempotent. */
    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        cache.close();
        executor.shutdown();
        listeners.clear();
    }

    private void requireStarted() {
        Lifecycle now = lifecycle.get();
        if (now != Lifecycle.STARTED) {
            throw new IllegalStateException("view of " + groupPath + " is "
                    + (now == Lifecycle.CLOSED ? "closed" : "not started"));
        }
    }

    private void changed(Consumer<Listener> call) {
        members = List.copyOf(byId.values());
        for (Listener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                log.warn("Listener {} of group {} failed", listener, groupPath, e);
            }
        }
    }

    /** Turns node events into member events; runs on the executor. */
    private final class Sink implements ChildrenCache.Sink {
        @Override
        public void added(String name, NodeData node) {
            Member member = member(name, node);
            byId.put(name, member);
            changed(l -> l.memberJoined(member));
        }

        @Override
        public void removed(String name, NodeData last) {
            Member gone = byId.remove(name);
            if (gone != null) {
                changed(l -> l.memberLeft(gone));
            }
        }

        @Override
        public void updated(String name, NodeData before, NodeData after) {
            Member old = byId.get(name);
            Member now = member(name, after);
            byId.put(name, now);
            changed(l -> l.memberUpdated(old, now));
        }

        private Member member(String name, NodeData node) {
            return new Member(name, node.data() == null ? new byte[0] : node.data(), node.stat().getCzxid());
        }
    }
}
