package io.zkrecipes.lock;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Require;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.Wait;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The part every lock kind shares: leases, reentrancy, loss on connection changes, close. The
 * {@link Grantor} does the ZooKeeper side. Thread-safe.
 */
final class LockHandle implements DistributedLock {
    private enum Lifecycle { OPEN, CLOSED }

    /** A thread's reentrant hold. Only its owner thread changes {@code count}. */
    private static final class Hold {
        final Grant grant;
        int count = 1;

        Hold(Grant grant) {
            this.grant = grant;
        }
    }

    private final ZkClient client;
    private final String path;
    private final Grantor grantor;
    private final boolean keepWhileSuspended;
    private final boolean threadOwned;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.OPEN);
    private final Set<Grant> held = ConcurrentHashMap.newKeySet();
    private final Map<Thread, Hold> holds = new ConcurrentHashMap<>();
    private final ConnectionStateListener listener = (c, state) -> stateChanged(state);
    private final Session session;
    private final Executor callbackLane;
    private final AtomicBoolean listening = new AtomicBoolean();

    LockHandle(ZkClient client, String path, Grantor grantor, LockOptions options, LockOptions.Ownership ownership) {
        this.client = client;
        this.path = path;
        this.grantor = grantor;
        this.keepWhileSuspended = options.keepsWhileSuspended();
        this.threadOwned = options.ownershipOr(ownership) == LockOptions.Ownership.THREAD;
        this.session = Session.of(client);
        this.callbackLane = session.newCallbackLane();
    }

    /** Checks the arguments every lock factory takes. */
    static String checkArgs(ZkClient client, String path, LockOptions options) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(options, "options");
        ZkPaths.validate(path, "path");
        if (path.equals("/")) {
            throw new IllegalArgumentException("path must not be the root '/'");
        }
        if (client.isClosed()) {
            throw new IllegalStateException("client is closed");
        }
        return path;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Lease acquire() throws InterruptedException {
        return acquire(Deadline.none(), false);
    }

    @Override
    public Optional<Lease> acquire(Duration timeout) throws InterruptedException {
        Require.nonNegative(timeout, "timeout");
        return Optional.ofNullable(acquire(Deadline.after(timeout), false));
    }

    @Override
    public Optional<Lease> tryAcquire() throws InterruptedException {
        return Optional.ofNullable(acquire(Deadline.none(), true));
    }

    private Lease acquire(Deadline deadline, boolean tryOnly) throws InterruptedException {
        requireOpen();
        if (listening.compareAndSet(false, true)) {
            session.addListener(listener); // a recipe reaction: marks holds lost, inline and short
        }
        Lease again = reenter();
        if (again != null) {
            return again;
        }
        while (true) {
            Grantor.Claim claim = grantor.acquire(deadline, tryOnly);
            if (claim == null) {
                return null;
            }
            Grant grant = new Grant(client, callbackLane, path, claim, keepWhileSuspended);
            held.add(grant);
            if (settle(grant, deadline)) {
                return register(grant);
            }
            drop(grant);
            if (tryOnly || deadline.passed()) {
                return null;
            }
        }
    }

    /** Whether a fresh grant may be handed out: valid, or just disconnected on its own session. */
    private boolean settle(Grant grant, Deadline deadline) throws InterruptedException {
        try (Wait wait = session.newWait()) {
            while (!grant.isValid()) {
                if (grant.isLost() || session.sessionId() != grant.sessionId() || !wait.await(deadline)) {
                    return false;
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            drop(grant);
            throw e;
        }
        if (lifecycle.get() == Lifecycle.CLOSED) {
            drop(grant);
            throw new IllegalStateException("lock " + path + " was closed while acquiring");
        }
        return true;
    }

    private Lease reenter() {
        Hold hold = threadOwned ? holds.get(Thread.currentThread()) : null;
        if (hold == null) {
            return null;
        }
        if (!hold.grant.isValid()) {
            throw new IllegalStateException("lock " + path + " was lost while this thread held it;"
                    + " close its lease before acquiring again");
        }
        hold.count++;
        return new Lease(this, hold.grant, Thread.currentThread());
    }

    private Lease register(Grant grant) {
        if (!threadOwned) {
            return new Lease(this, grant, null);
        }
        holds.put(Thread.currentThread(), new Hold(grant));
        return new Lease(this, grant, Thread.currentThread());
    }

    /** Called once per lease, by {@link Lease#close()}. */
    void release(Lease lease) {
        if (lease.owner() != null) {
            Hold hold = holds.get(lease.owner());
            if (hold != null && hold.grant == lease.grant()) {
                if (--hold.count > 0) {
                    return;
                }
                holds.remove(lease.owner(), hold);
            }
        }
        drop(lease.grant());
    }

    private void drop(Grant grant) {
        held.remove(grant);
        grant.release();
    }

    private void stateChanged(ConnectionState state) {
        switch (state) {
            case SUSPENDED -> {
                if (!keepWhileSuspended) {
                    held.forEach(g -> g.markLost("connection suspended"));
                }
            }
            case LOST -> held.forEach(g -> g.markLost("session expired"));
            case CLOSED -> held.forEach(g -> g.markLost("client closed"));
            case CONNECTED, RECONNECTED -> { } // a hold lost stays lost; waiters re-check below
        }
    }

    private void requireOpen() {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("lock " + path + " is closed");
        }
        if (client.isClosed()) {
            throw new IllegalStateException("client is closed");
        }
    }

    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        session.removeListener(listener);
        holds.clear();
        held.forEach(this::drop);
    }

    @Override
    public String toString() {
        return "Lock[" + path + ", held=" + held.size() + "]";
    }
}
