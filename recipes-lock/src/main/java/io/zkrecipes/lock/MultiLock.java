package io.zkrecipes.lock;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Several locks taken all or none, as one {@link MultiLease}: for work that needs, say, the locks
 * of two accounts at once.
 *
 * <pre>{@code
 * MultiLock both = MultiLock.create(client, List.of(
 *         SequentialLock.create(client, "/locks/accounts/17"),
 *         SequentialLock.create(client, "/locks/accounts/42")));
 * try (MultiLease lease = both.acquire(Duration.ofSeconds(10)).orElseThrow()) {
 *     transfer(17, 42, lease.fencingToken("/locks/accounts/17"), lease.fencingToken("/locks/accounts/42"));
 * }
 * }</pre>
 *
 * <p><b>Order, and no deadlock.</b> The locks are taken one after the other in the order of their
 * paths (a canonical order, whatever order they were given in), each as its own
 * {@link DistributedLock#acquire} would. Two multi-locks over overlapping sets, on any processes,
 * thus take the locks they share in the same order and can never each hold one that the other
 * waits for. Joins are deliberately not pipelined: a place in a fair line is already a claim, so
 * joining every line at once would let two multi-locks queue in opposite orders on two lines and
 * wait for each other for ever. An uncontended acquire of N locks therefore costs N times one
 * lock's round trips.
 *
 * <p><b>All or none.</b> When an acquire gives up part way (its deadline, a lock that is not free
 * for {@link #tryAcquire()}, an interrupt, a failure, the client's close), it releases the locks it
 * took, in reverse order, and the lock it was waiting for leaves nothing behind either. When a lock
 * taken earlier is lost while a later one is awaited (the session ended), all are released and the
 * acquire starts over, within its deadline.
 *
 * <p>The locks must all be made on {@code client}; they keep their own options (ownership,
 * {@linkplain LockOptions#keepLeasesWhileSuspended keeping leases while suspended},
 * {@linkplain LockOptions#lockDelay lock delay}). Thread-owned (reentrant) locks make the multi
 * lease thread-owned too: it must be closed by the thread that acquired it, and a lock that thread
 * holds already is entered again. The multi-lock only borrows the locks: closing it does not close
 * them. Thread-safe; every call blocks as the member locks' calls do.
 */
public final class MultiLock implements AutoCloseable {
    private final List<DistributedLock> locks;
    private final List<String> paths;
    private final Executor callbackLane;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<MultiLease> held = ConcurrentHashMap.newKeySet();

    private MultiLock(Session session, List<DistributedLock> sorted) {
        this.locks = sorted;
        this.paths = sorted.stream().map(DistributedLock::path).toList();
        this.callbackLane = session.newCallbackLane();
    }

    /**
     * A multi-lock over {@code locks}, taken in the order of their paths. Sends nothing.
     *
     * @throws NullPointerException     if {@code client} or {@code locks} is null
     * @throws IllegalArgumentException if {@code locks} is empty, contains null, names one path
     *                                  twice (the two sides of a {@link ReadWriteLock} share one), or
     *                                  contains a lock not made on {@code client}
     * @throws IllegalStateException    if {@code client} is closed
     */
    public static MultiLock create(ZkClient client, List<? extends DistributedLock> locks) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(locks, "locks");
        if (locks.isEmpty()) {
            throw new IllegalArgumentException("locks must not be empty");
        }
        if (client.isClosed()) {
            throw new IllegalStateException("client is closed");
        }
        Session session = Session.of(client);
        List<DistributedLock> sorted = new ArrayList<>(locks.size());
        for (DistributedLock lock : locks) {
            if (lock == null) {
                throw new IllegalArgumentException("locks must not contain null");
            }
            if (!(lock instanceof AbstractLock made) || made.session != session) {
                throw new IllegalArgumentException("locks must all be made on the given client; " + lock.path()
                        + " is not");
            }
            sorted.add(lock);
        }
        sorted.sort(Comparator.comparing(DistributedLock::path));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).path().equals(sorted.get(i - 1).path())) {
                throw new IllegalArgumentException("locks must have distinct paths; " + sorted.get(i).path()
                        + " is there twice");
            }
        }
        return new MultiLock(session, List.copyOf(sorted));
    }

    /** The locks' paths in the order they are taken. */
    public List<String> paths() {
        return paths;
    }

    /**
     * Blocks until every lock is held.
     *
     * @throws InterruptedException if interrupted while waiting; the locks taken are released
     * @throws io.zkrecipes.core.ZkRecipeException as {@link DistributedLock#acquire()}; the locks
     *         taken are released
     * @throws IllegalStateException if this multi-lock, a member lock or the client is closed (also
     *         while waiting), or a member lock says so (see {@link DistributedLock#acquire()})
     */
    public MultiLease acquire() throws InterruptedException {
        return acquire(Deadline.none(), false);
    }

    /**
     * Blocks at most {@code timeout} (in all) for every lock.
     *
     * @return the lease, or empty at the timeout, with every lock taken on the way released and no
     *         node of this acquire left under any of the paths
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException as {@link #acquire()}
     * @throws io.zkrecipes.core.ZkRecipeException as {@link DistributedLock#acquire(Duration)}
     * @throws IllegalStateException as {@link #acquire()}
     */
    public Optional<MultiLease> acquire(Duration timeout) throws InterruptedException {
        Require.nonNegative(timeout, "timeout");
        return Optional.ofNullable(acquire(Deadline.after(timeout), false));
    }

    /**
     * Takes every lock only if each is free when its turn comes (see
     * {@link DistributedLock#tryAcquire()}); otherwise releases what it took.
     *
     * @return the lease, or empty if some lock was not free
     * @throws InterruptedException as {@link #acquire()}
     * @throws io.zkrecipes.core.ZkRecipeException as {@link #acquire()}
     * @throws IllegalStateException as {@link #acquire()}
     */
    public Optional<MultiLease> tryAcquire() throws InterruptedException {
        return Optional.ofNullable(acquire(Deadline.none(), true));
    }

    /**
     * Releases every lease this multi-lock handed out that is still held (each member's whole hold,
     * as a lock's own {@code close()} does) and refuses later acquires. Does not close the member
     * locks. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            held.forEach(MultiLease::releaseAll);
        }
    }

    @Override
    public String toString() {
        return "MultiLock" + paths;
    }

    // ---- for the leases ------------------------------------------------------------------------

    Executor callbackLane() {
        return callbackLane;
    }

    void released(MultiLease lease) {
        held.remove(lease);
    }

    // ---- the acquire ---------------------------------------------------------------------------

    private MultiLease acquire(Deadline deadline, boolean tryOnly) throws InterruptedException {
        requireOpen();
        while (true) {
            List<Lease> taken = takeAll(deadline, tryOnly);
            if (taken == null) {
                return null;
            }
            MultiLease lease = new MultiLease(this, taken); // registers on the members' losses first
            if (lease.isValid()) {
                held.add(lease);
                if (closed.get()) {
                    lease.releaseAll();
                    throw new IllegalStateException(this + " was closed while acquiring");
                }
                return lease;
            }
            lease.close(); // a lock taken early was lost while a later one was awaited
            if (tryOnly || deadline.passed()) {
                return null;
            }
        }
    }

    /** Each lock in order; {@code null} (with every lock taken released) when one is not granted. */
    private List<Lease> takeAll(Deadline deadline, boolean tryOnly) throws InterruptedException {
        List<Lease> taken = new ArrayList<>(locks.size());
        try {
            for (DistributedLock lock : locks) {
                Optional<Lease> lease = take(lock, deadline, tryOnly);
                if (lease.isEmpty()) {
                    closeAll(taken);
                    return null;
                }
                taken.add(lease.get());
            }
            return taken;
        } catch (InterruptedException | RuntimeException e) {
            closeAll(taken);
            throw e;
        }
    }

    private static Optional<Lease> take(DistributedLock lock, Deadline deadline, boolean tryOnly)
            throws InterruptedException {
        if (tryOnly) {
            return lock.tryAcquire();
        }
        if (!deadline.isTimed()) {
            return Optional.of(lock.acquire());
        }
        return lock.acquire(Duration.ofNanos(deadline.remainingNanos()));
    }

    /** Closes leases taken by this thread, newest first; never waits for ZooKeeper. */
    static void closeAll(List<Lease> leases) {
        for (int i = leases.size() - 1; i >= 0; i--) {
            leases.get(i).close();
        }
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException(this + " is closed");
        }
    }
}
