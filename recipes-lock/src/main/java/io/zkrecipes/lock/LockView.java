package io.zkrecipes.lock;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * A {@link DistributedLock} seen as a {@link java.util.concurrent.locks.Lock}, for code written
 * against that interface; made by {@link DistributedLock#asLock()}.
 *
 * <pre>{@code
 * LockView lock = SequentialLock.create(client, "/locks/orders").asLock();
 * lock.lock();
 * try {
 *     store.write(record, lock.lease().fencingToken());
 * } finally {
 *     lock.unlock();
 * }
 * }</pre>
 *
 * <p><b>Owned by threads.</b> As with any {@code Lock}, a hold belongs to the thread that took it:
 * {@link #lock()} and its kin take a lease for the calling thread, {@link #unlock()} gives back
 * that thread's latest one, and {@link #lease()} shows it (for its fencing token and loss
 * callbacks). A thread that holds nothing through this view gets
 * {@link IllegalMonitorStateException} from both; leases the thread took through
 * {@link DistributedLock#acquire()} directly are not the view's.
 *
 * <p><b>Reentrancy is the lock's own.</b> A thread-owned lock (the default of
 * {@link ExclusiveLock}, {@link SequentialLock} and both sides of a {@link ReadWriteLock}) is
 * reentrant: locking again from the holding thread returns at once and counts one more hold on the
 * same lease, which is released by the matching last {@code unlock()}. A handle-owned lock (the
 * default of {@link CountingSemaphore}) is not: each {@code lock()} is a new grant, so a thread
 * that locks a semaphore twice holds two permits, and a thread that locks a handle-owned lock
 * twice waits for itself.
 *
 * <p><b>Loss.</b> A {@code Lock} has no way to say that a hold was lost (the session expired, or
 * the connection was suspended): ask {@link #lease()} ({@link Lease#isValid()},
 * {@link Lease#onLost}). A lost hold stays the thread's until it unlocks, which then does not
 * throw; until then locking again from that thread throws {@link IllegalStateException} (for a
 * reentrant lock). {@code unlock()} does not wait for ZooKeeper (see {@link Lease#close()}).
 *
 * <p><b>Blocking and failures</b> are those of {@link DistributedLock}: {@link #lock()} and
 * {@link #lockInterruptibly()} throw {@link IllegalStateException} when the lock or its client is
 * closed (also while waiting) and {@link io.zkrecipes.core.ZkRecipeException} when ZooKeeper stays
 * unreachable past the client's retry deadline; {@link #tryLock(long, TimeUnit)} returns
 * {@code false} at its timeout, reachable or not. {@link #newCondition()} is not supported: a
 * condition's wait would have to give the lock up and take it back across processes.
 * Thread-safe.
 */
public final class LockView implements Lock {
    private final DistributedLock lock;
    /** Each thread's holds through this view, latest first; only that thread changes its own. */
    private final Map<Thread, Deque<Lease>> holds = new ConcurrentHashMap<>();

    LockView(DistributedLock lock) {
        this.lock = lock;
    }

    /**
     * Blocks until the lock is held by the calling thread. An interrupt does not end the wait: the
     * acquire starts again (a fair lock's waiter goes to the back of the line), and the interrupt
     * is set again on the thread when this returns or throws.
     *
     * @throws IllegalStateException if the lock or its client is closed (also while waiting)
     * @throws io.zkrecipes.core.ZkRecipeException if ZooKeeper stays unreachable past the
     *         client's retry deadline or refuses a request
     */
    @Override
    public void lock() {
        hold(uninterruptibly(lock::acquire));
    }

    /**
     * Blocks until the lock is held by the calling thread, or the thread is interrupted (nothing
     * is then left behind).
     *
     * @throws InterruptedException if interrupted while waiting
     * @throws IllegalStateException as {@link #lock()}
     * @throws io.zkrecipes.core.ZkRecipeException as {@link #lock()}
     */
    @Override
    public void lockInterruptibly() throws InterruptedException {
        hold(lock.acquire());
    }

    /**
     * Takes the lock only if it is free now; waits for the round trips that find out (see
     * {@link DistributedLock#tryAcquire()}), through interrupts, which are set again on return.
     *
     * @return whether the calling thread now holds the lock
     * @throws IllegalStateException if the lock or its client is closed
     * @throws io.zkrecipes.core.ZkRecipeException if ZooKeeper refuses a request or stays unreachable
     */
    @Override
    public boolean tryLock() {
        return holdIfGranted(uninterruptibly(lock::tryAcquire));
    }

    /**
     * Blocks at most {@code time} for the lock; a time of zero or less tries once, as
     * {@link #tryLock()} does.
     *
     * @return whether the calling thread now holds the lock; {@code false} at the timeout, also
     *         when ZooKeeper could not be reached before it (nothing is left behind)
     * @throws NullPointerException if {@code unit} is null
     * @throws InterruptedException if interrupted while waiting; nothing is left behind
     * @throws IllegalStateException if the lock or its client is closed (also while waiting)
     * @throws io.zkrecipes.core.ZkRecipeException if ZooKeeper refuses a request
     */
    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        if (time <= 0) {
            return holdIfGranted(lock.tryAcquire());
        }
        return holdIfGranted(lock.acquire(Duration.ofNanos(unit.toNanos(time))));
    }

    /**
     * Gives back the calling thread's latest hold (the last one of a reentrant lease releases the
     * lock). Does not wait for ZooKeeper and does not throw for a hold that was lost.
     *
     * @throws IllegalMonitorStateException if the calling thread holds nothing through this view
     */
    @Override
    public void unlock() {
        Thread me = Thread.currentThread();
        Deque<Lease> mine = ownHolds(me);
        Lease latest = mine.pop();
        if (mine.isEmpty()) {
            holds.remove(me);
        }
        latest.close();
    }

    /**
     * The calling thread's latest hold: its fencing token, validity and loss callbacks.
     *
     * @throws IllegalMonitorStateException if the calling thread holds nothing through this view
     */
    public Lease lease() {
        return ownHolds(Thread.currentThread()).peek();
    }

    /**
     * Not supported: a condition's wait would have to release the lock and take it back across
     * processes, which this library does not offer.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("conditions are not supported on lock " + lock.path());
    }

    @Override
    public String toString() {
        return "LockView[" + lock + "]";
    }

    private void hold(Lease lease) {
        holds.computeIfAbsent(Thread.currentThread(), t -> new ArrayDeque<>()).push(lease);
    }

    private boolean holdIfGranted(Optional<Lease> lease) {
        lease.ifPresent(this::hold);
        return lease.isPresent();
    }

    private Deque<Lease> ownHolds(Thread me) {
        Deque<Lease> mine = holds.get(me);
        if (mine == null) {
            throw new IllegalMonitorStateException("not the owner of lock " + lock.path()
                    + ": the calling thread holds nothing through this view");
        }
        return mine;
    }

    /** An acquire that may be interrupted. */
    @FunctionalInterface
    private interface Interruptible<T> {
        T call() throws InterruptedException;
    }

    /** Runs {@code acquire} again after each interrupt, and sets the interrupt again at the end. */
    private static <T> T uninterruptibly(Interruptible<T> acquire) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return acquire.call();
                } catch (InterruptedException e) {
                    interrupted = true;
                    Thread.interrupted(); // a retry must wait, not see the same interrupt again
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
