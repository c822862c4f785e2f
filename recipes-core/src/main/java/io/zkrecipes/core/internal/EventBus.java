package io.zkrecipes.core.internal;

import io.zkrecipes.core.RecipeEvents;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where recipes report what they do: each event is handed to every registered {@link RecipeEvents}
 * listener on that listener's lane and the caller goes on at once, so reporting never blocks a
 * recipe, also under its locks. With no listener an event costs a look at an empty list. Every
 * method of {@link RecipeEvents} but the connection state (which the {@link StateBus} delivers to the
 * same lanes) is overridden here. Not part of the API.
 */
public final class EventBus implements RecipeEvents {
    private static final Logger log = LoggerFactory.getLogger(EventBus.class);

    private record Registration(RecipeEvents listener, Executor lane) {
    }

    private final CopyOnWriteArrayList<Registration> registrations = new CopyOnWriteArrayList<>();

    EventBus() {
    }

    void add(RecipeEvents listener, Executor lane) {
        registrations.add(new Registration(listener, lane));
    }

    void remove(RecipeEvents listener) {
        registrations.removeIf(r -> r.listener == listener);
    }

    @Override
    public void retried(KeeperException.Code code) {
        deliver(l -> l.retried(code));
    }

    @Override
    public void lockAcquired(String path, Duration waited) {
        deliver(l -> l.lockAcquired(path, waited));
    }

    @Override
    public void lockTimedOut(String path, Duration waited) {
        deliver(l -> l.lockTimedOut(path, waited));
    }

    @Override
    public void lockReleased(String path, Duration held) {
        deliver(l -> l.lockReleased(path, held));
    }

    @Override
    public void lockLost(String path, Duration held) {
        deliver(l -> l.lockLost(path, held));
    }

    @Override
    public void leadershipGained(String path) {
        deliver(l -> l.leadershipGained(path));
    }

    @Override
    public void leadershipLost(String path, Duration led) {
        deliver(l -> l.leadershipLost(path, led));
    }

    @Override
    public void leaderChanged(String path, Optional<String> leaderId) {
        deliver(l -> l.leaderChanged(path, leaderId));
    }

    @Override
    public void queuePut(String path, int items) {
        deliver(l -> l.queuePut(path, items));
    }

    @Override
    public void queueTaken(String path) {
        deliver(l -> l.queueTaken(path));
    }

    @Override
    public void queueProcessed(String path, String outcome) {
        deliver(l -> l.queueProcessed(path, outcome));
    }

    @Override
    public void queueDeadLettered(String path) {
        deliver(l -> l.queueDeadLettered(path));
    }

    @Override
    public void queueDepthSeen(String path, long waiting) {
        deliver(l -> l.queueDepthSeen(path, waiting));
    }

    @Override
    public void serviceRegistered(String service) {
        deliver(l -> l.serviceRegistered(service));
    }

    @Override
    public void instancesSeen(String service, int instances) {
        deliver(l -> l.instancesSeen(service, instances));
    }

    /** The time since {@code startNanos} (a {@link System#nanoTime()} reading), for the events' durations. */
    public static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private void deliver(Consumer<RecipeEvents> event) {
        for (Registration r : registrations) {
            try {
                r.lane.execute(() -> run(r.listener, event));
            } catch (RejectedExecutionException closed) {
                log.debug("Event listener {} no longer takes events", r.listener);
            }
        }
    }

    private static void run(RecipeEvents listener, Consumer<RecipeEvents> event) {
        try {
            event.accept(listener);
        } catch (RuntimeException e) {
            log.warn("Event listener {} failed", listener, e);
        }
    }
}
