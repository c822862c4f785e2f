package io.zkrecipes.core;

import java.time.Duration;
import java.util.Optional;
import org.apache.zookeeper.KeeperException;

/**
 * Told what the recipes on a {@link ZkClient} do, for metrics, logs or tracing: register it with
 * {@link ZkClient#addEventListener(RecipeEvents)}. Every method does nothing unless overridden, so a
 * listener implements only what it needs; several listeners may be registered on one client.
 *
 * <p><b>Threads.</b> Events reach a listener one at a time, in the order they were reported, on a
 * callback lane of its own (or on the executor given at registration), never on the thread of the
 * recipe that reported them nor on ZooKeeper's threads: a recipe hands the event over and goes on.
 * A listener must not block, since its later events queue up behind it; a slow or throwing one
 * delays or breaks nothing but its own lane (an exception is logged and the next event delivered).
 * Events reported after the client closed are dropped.
 *
 * <p>A listener is also a {@link ConnectionStateListener}: it gets the client's connection states
 * on the same lane, in order with the recipe events ({@code SUSPENDED} is a suspension, {@code LOST}
 * a session taken as expired).
 *
 * <p>Paths are the recipes' paths as given to them (relative to the client's namespace). Durations
 * are measured on this client with {@link System#nanoTime()}.
 */
public interface RecipeEvents extends ConnectionStateListener {

    /** The client's connection state changed (see {@link ConnectionState}). */
    @Override
    default void stateChanged(ZkClient client, ConnectionState newState) {
    }

    // ---- the client ------------------------------------------------------------------------

    /** A request failed with {@code code} and is about to be sent again after a pause (the client's retry loop). */
    default void retried(KeeperException.Code code) {
    }

    // ---- locks and semaphores ----------------------------------------------------------------

    /** An acquire of the lock at {@code path} got a lease after waiting {@code waited} (reentrant acquires are not reported). */
    default void lockAcquired(String path, Duration waited) {
    }

    /** A timed acquire or a try-acquire of the lock at {@code path} gave up without a lease after {@code waited}. */
    default void lockTimedOut(String path, Duration waited) {
    }

    /** A lease of the lock at {@code path} was released, {@code held} after it was granted. */
    default void lockReleased(String path, Duration held) {
    }

    /** A lease of the lock at {@code path} was lost (suspension, session loss, close, node gone), {@code held} after it was granted. */
    default void lockLost(String path, Duration held) {
    }

    // ---- elections ---------------------------------------------------------------------------

    /** A participant of the election at {@code path} on this client became the leader. */
    default void leadershipGained(String path) {
    }

    /** A participant of the election at {@code path} on this client stopped leading, after leading for {@code led}. */
    default void leadershipLost(String path, Duration led) {
    }

    /** An observer of the election at {@code path} on this client saw the leader change to {@code leaderId} (empty: none). */
    default void leaderChanged(String path, Optional<String> leaderId) {
    }

    // ---- queues ------------------------------------------------------------------------------

    /** {@code items} items were put into the queue at {@code path} (one put or putAll). */
    default void queuePut(String path, int items) {
    }

    /** A take or poll removed an item from the queue at {@code path}. */
    default void queueTaken(String path) {
    }

    /** A processNext on the queue at {@code path} ended with {@code outcome}, the name of a {@code DistributedQueue.Outcome}. */
    default void queueProcessed(String path, String outcome) {
    }

    /** An item of the queue at {@code path} failed its last allowed attempt and moved to the dead letters. */
    default void queueDeadLettered(String path) {
    }

    /**
     * A consumer of the queue at {@code path} looked at it and knows of {@code waiting} items it has
     * listed and not yet handed out (items claimed by others are not counted, nor buckets past the one
     * it reads). Reported on every look, so it costs no request; it is as fresh as the consumer's last
     * take, poll, peek or processNext.
     */
    default void queueDepthSeen(String path, long waiting) {
    }

    // ---- service registry --------------------------------------------------------------------

    /** A registration of {@code service} on this client created its instance node (also again after a session loss). */
    default void serviceRegistered(String service) {
    }

    /** A discovery of {@code service} on this client now sees {@code instances} instances. */
    default void instancesSeen(String service, int instances) {
    }
}
