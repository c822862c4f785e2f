package io.zkrecipes.lock;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hold of a {@link MultiLock}: a {@link Lease} of each of its locks, released together by
 * {@link #close()}. Each lock's {@linkplain #fencingToken(String) fencing token} is reachable from
 * it, for the resource that lock protects.
 *
 * <p>It is {@linkplain #isValid() valid} while every member lease is, and lost, for good, as soon as
 * any member is lost: its {@link #onLost} callbacks then run once, however many members were lost.
 * Thread-safe.
 */
public final class MultiLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MultiLease.class);

    private enum State { HELD, LOST, RELEASED }

    private final MultiLock lock;
    private final List<Lease> members; // in the multi-lock's order
    private final AtomicReference<State> state = new AtomicReference<>(State.HELD);
    private final List<Runnable> callbacks = new ArrayList<>(); // guarded by itself

    MultiLease(MultiLock lock, List<Lease> members) {
        this.lock = lock;
        this.members = List.copyOf(members);
        this.members.forEach(member -> member.onLost(this::memberLost));
    }

    /** The locks' paths, in the order they were taken. */
    public List<String> paths() {
        return lock.paths();
    }

    /**
     * The fencing token of the lock at {@code path} (see {@link Lease#fencingToken()}).
     *
     * @throws NullPointerException     if {@code path} is null
     * @throws IllegalArgumentException if {@code path} is not one of {@link #paths()}
     */
    public long fencingToken(String path) {
        Objects.requireNonNull(path, "path");
        for (Lease member : members) {
            if (member.lockPath().equals(path)) {
                return member.fencingToken();
            }
        }
        throw new IllegalArgumentException("path " + path + " is not one of " + paths());
    }

    /** Whether every lock is still held through this lease (see {@link Lease#isValid()}). Never blocks. */
    public boolean isValid() {
        return state.get() == State.HELD && members.stream().allMatch(Lease::isValid);
    }

    /**
     * Runs {@code callback} once when any of the locks is lost (see {@link Lease#onLost}), on the
     * multi-lock's own callback lane, in order with its other callbacks and off the client's
     * threads; at once (on that lane) if the loss happened already. Not run after a release.
     *
     * @throws NullPointerException if {@code callback} is null
     */
    public void onLost(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        synchronized (callbacks) {
            if (state.get() == State.HELD) {
                callbacks.add(callback);
                return;
            }
        }
        if (state.get() == State.LOST) {
            run(callback);
        }
    }

    /**
     * Releases every lock, in the reverse of the order they were taken, without waiting for
     * ZooKeeper (each as {@link Lease#close()} does); the lease is invalid from then on. Closing it
     * again does nothing.
     *
     * @throws IllegalMonitorStateException if a lock is thread-owned and the calling thread is not
     *                                      the one that acquired this lease (nothing is released then)
     */
    @Override
    public void close() {
        for (Lease member : members) {
            if (member.owner() != null && member.owner() != Thread.currentThread() && state.get() != State.RELEASED) {
                throw new IllegalMonitorStateException("not the owner of lock " + member.lockPath());
            }
        }
        if (markReleased()) {
            MultiLock.closeAll(members);
        }
    }

    @Override
    public String toString() {
        return "MultiLease" + paths() + "[" + state.get() + ", valid=" + isValid() + "]";
    }

    /** Gives back each member's whole hold, from any thread: for the multi-lock's close. */
    void releaseAll() {
        if (markReleased()) {
            for (int i = members.size() - 1; i >= 0; i--) {
                members.get(i).release();
            }
        }
    }

    private boolean markReleased() {
        State before = state.getAndSet(State.RELEASED);
        if (before == State.RELEASED) {
            return false;
        }
        synchronized (callbacks) {
            callbacks.clear();
        }
        lock.released(this);
        return true;
    }

    /** A member's loss callback (on that lock's lane): the whole lease is lost, once. */
    private void memberLost() {
        if (!state.compareAndSet(State.HELD, State.LOST)) {
            return;
        }
        List<Runnable> toRun;
        synchronized (callbacks) {
            toRun = List.copyOf(callbacks);
            callbacks.clear();
        }
        toRun.forEach(this::run);
    }

    private void run(Runnable callback) {
        Runnable quiet = () -> {
            try {
                callback.run();
            } catch (RuntimeException e) {
                log.warn("Loss callback {} of {} failed", callback, this, e);
            }
        };
        try {
            lock.callbackLane().execute(quiet);
        } catch (RejectedExecutionException closed) {
            quiet.run(); // the client is closed and its lanes with it
        }
    }
}
