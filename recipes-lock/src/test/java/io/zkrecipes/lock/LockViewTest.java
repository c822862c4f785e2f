package io.zkrecipes.lock;

import static io.zkrecipes.lock.LockFixture.WAIT;
import static io.zkrecipes.lock.LockFixture.awaitNoNodes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.lock.LockLivenessTest.Kind;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every lock kind's {@link LockView} keeps the {@link Lock} contract. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockViewTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/view";

    /** {@code kind}'s lock at {@link #PATH} with default options (so its default ownership), as a view. */
    static LockView viewOf(Kind kind, ZkClient client) {
        return kind.lock(client, PATH, LockOptions.defaults()).asLock();
    }

    /** A view that excludes {@code kind}'s (see {@link Kind#excluder}). */
    static LockView excluderOf(Kind kind, ZkClient client) {
        return kind.excluder(client, PATH).asLock();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void tryLockWithTimeout_isFalseWhileHeldElsewhere_andTrueOnceReleased(Kind kind) throws Exception {
        LockView holder = excluderOf(kind, zk.newClient());
        LockView other = viewOf(kind, zk.newClient());
        holder.lock();
        assertFalse(grantedOnOwnThread(() -> other.tryLock(200, TimeUnit.MILLISECONDS)), kind + ": granted while held");
        assertFalse(grantedOnOwnThread(other::tryLock), kind + ": tryLock() granted while held");
        assertFalse(grantedOnOwnThread(() -> other.tryLock(-1, TimeUnit.SECONDS)), kind + ": tryLock(-1) while held");
        holder.unlock();
        assertTrue(other.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS), kind + ": not granted once free");
        assertTrue(other.lease().isValid());
        other.unlock();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void interruptDuringLockInterruptibly_throws_leavesNoNode_andHoldsNothing(Kind kind) throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        LockView holder = excluderOf(kind, a);
        LockView waiter = viewOf(kind, b);
        holder.lock();
        CompletableFuture<Throwable> afterwards = new CompletableFuture<>();
        Thread t = start(kind, b, () -> {
            try {
                waiter.lockInterruptibly();
                afterwards.completeExceptionally(new AssertionError("granted while held"));
            } catch (InterruptedException e) {
                afterwards.complete(assertThrows(IllegalMonitorStateException.class, waiter::unlock));
            }
        });
        t.interrupt();
        assertInstanceOf(IllegalMonitorStateException.class, afterwards.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        awaitNoNodes(a, PATH, b.sessionId());
        holder.unlock();
        assertTrue(waiter.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS), kind + ": not granted once free");
        waiter.unlock();
    }

    @Test
    void lock_isNotEndedByAnInterrupt_andReturnsWithTheInterruptSet() throws Exception {
        LockView holder = viewOf(Kind.SEQUENTIAL, zk.newClient());
        ZkClient b = zk.newClient();
        LockView waiter = viewOf(Kind.SEQUENTIAL, b);
        holder.lock();
        CompletableFuture<Boolean> interruptSet = new CompletableFuture<>();
        Thread t = start(Kind.SEQUENTIAL, b, () -> {
            waiter.lock();
            interruptSet.complete(Thread.currentThread().isInterrupted());
            waiter.unlock();
        });
        Map<RequestStats.Type, Long> before = b.requestStats().snapshot();
        t.interrupt();
        // the interrupted wait takes a new place in line and waits on a watch again
        await("waiting again after the interrupt").atMost(WAIT)
                .until(() -> interruptSet.isDone() || Kind.SEQUENTIAL.waitsLike().isWaiting(b, before));
        assertFalse(interruptSet.isDone(), "lock() returned while the lock was held elsewhere");
        holder.unlock();
        assertTrue(interruptSet.get(WAIT.toSeconds(), TimeUnit.SECONDS), "the interrupt was not set again");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void unlockOrLease_byAThreadThatDoesNotHold_isIllegalMonitorState(Kind kind) throws Exception {
        LockView view = viewOf(kind, zk.newClient());
        assertThrows(IllegalMonitorStateException.class, view::unlock, kind + ": unlock before any lock");
        view.lock();
        Lease lease = view.lease();
        Throwable foreign = failureOnOwnThread(view::unlock);
        assertSame(IllegalMonitorStateException.class, foreign.getClass(), kind + ": unlock from another thread");
        assertEquals("not the owner of lock " + PATH + ": the calling thread holds nothing through this view",
                foreign.getMessage());
        assertInstanceOf(IllegalMonitorStateException.class, failureOnOwnThread(view::lease));
        assertTrue(lease.isValid(), kind + ": a foreign unlock released the hold");
        view.unlock();
        assertFalse(lease.isValid());
        assertThrows(IllegalMonitorStateException.class, view::unlock, kind + ": unlock once more than locked");
    }

    @Test
    void threadOwnedLock_isReentrant_oneLeaseReleasedByTheLastUnlock() throws Exception {
        LockView view = viewOf(Kind.SEQUENTIAL, zk.newClient());
        LockView other = viewOf(Kind.SEQUENTIAL, zk.newClient());
        view.lock();
        Lease outer = view.lease();
        assertTrue(view.tryLock(), "a holding thread's tryLock of a reentrant lock");
        assertSame(outer, view.lease());
        view.unlock();
        assertTrue(outer.isValid(), "released by the inner unlock");
        assertFalse(grantedOnOwnThread(other::tryLock));
        view.unlock();
        assertFalse(outer.isValid());
        assertTrue(grantedOnOwnThread(() -> other.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS)));
    }

    @Test
    void handleOwnedSemaphore_isNotReentrant_eachLockIsAPermit() throws Exception {
        LockView view = CountingSemaphore.create(zk.newClient(), PATH, 2).asLock();
        view.lock();
        Lease first = view.lease();
        view.lock();
        Lease second = view.lease();
        assertNotSame(first, second);
        assertFalse(view.tryLock(), "a third permit of two");
        view.unlock();
        assertFalse(second.isValid(), "unlock gives back the latest hold");
        assertTrue(first.isValid());
        assertSame(first, view.lease());
        view.unlock();
        assertFalse(first.isValid());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void sessionExpiry_losesTheHold_seenThroughTheView_andUnlockThenLockAgainWorks(Kind kind) throws Exception {
        ZkClient a = zk.newClient();
        LockView view = viewOf(kind, a);
        view.lock();
        Lease lease = view.lease();
        CountDownLatch lost = new CountDownLatch(1);
        lease.onLost(lost::countDown);
        zk.expireSession(a);
        assertTrue(lost.await(WAIT.toSeconds(), TimeUnit.SECONDS), kind + ": loss callback not run");
        assertSame(lease, view.lease(), kind + ": the lost hold is still the thread's");
        assertFalse(view.lease().isValid());
        view.unlock();
        assertTrue(view.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS), kind + ": not granted on the new session");
        assertTrue(view.lease().isValid());
        assertTrue(view.lease().fencingToken() > lease.fencingToken());
        view.unlock();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void lock_endsWithIllegalStateException_whenTheClientCloses(Kind kind) throws Exception {
        ZkClient b = zk.newClient();
        excluderOf(kind, zk.newClient()).lock();
        LockView waiter = viewOf(kind, b);
        CompletableFuture<RuntimeException> failure = new CompletableFuture<>();
        start(kind, b, () -> {
            try {
                waiter.lock();
                failure.completeExceptionally(new AssertionError("granted while held"));
            } catch (RuntimeException e) {
                failure.complete(e);
            }
        });
        b.close();
        assertInstanceOf(IllegalStateException.class, failure.get(WAIT.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    void asLock_isOneViewPerLock_withoutConditions() {
        SequentialLock lock = SequentialLock.create(zk.newClient(), PATH);
        assertSame(lock.asLock(), lock.asLock());
        assertThrows(UnsupportedOperationException.class, () -> lock.asLock().newCondition());
    }

    // ---- helpers ----------------------------------------------------------------------------

    @FunctionalInterface
    interface Call<T> {
        T call() throws Exception;
    }

    /** {@code body} on a thread of its own (not the one that may hold the view), within {@link LockFixture#WAIT}. */
    static <T> T onOwnThread(Call<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Background.EXECUTOR.execute(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** Whether {@code attempt}, on a thread of its own, took the lock. */
    static boolean grantedOnOwnThread(Call<Boolean> attempt) throws Exception {
        return onOwnThread(attempt);
    }

    /** What {@code body} throws on a thread of its own. */
    static Throwable failureOnOwnThread(Runnable body) throws Exception {
        return onOwnThread(() -> {
            try {
                body.run();
            } catch (RuntimeException e) {
                return e;
            }
            throw new AssertionError("expected a failure");
        });
    }

    /** Starts {@code body} on a thread of its own and returns once {@code client} waits on a watch. */
    static Thread start(Kind kind, ZkClient client, Runnable body) {
        Map<RequestStats.Type, Long> before = client.requestStats().snapshot();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            body.run();
            ended.complete(null);
        }, "view-waiter");
        t.setDaemon(true);
        t.start();
        await("waiting on " + PATH).atMost(WAIT).pollInterval(Duration.ofMillis(5))
                .until(() -> ended.isDone() || kind.waitsLike().isWaiting(client, before));
        assertFalse(ended.isDone(), kind + ": expected to wait");
        return t;
    }
}
