package io.zkrecipes.naming;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Chooses an instance by a {@link PickStrategy}, skipping those marked failing until their mark runs out. Thread-safe. */
final class Picker {
    private final PickStrategy strategy;
    private final AtomicInteger turn = new AtomicInteger();
    private final AtomicReference<String> stickyId = new AtomicReference<>();
    private final Map<String, Long> failingUntil = new ConcurrentHashMap<>();

    Picker(PickStrategy strategy) {
        this.strategy = strategy;
    }

    void markFailing(String instanceId, Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        failingUntil.merge(instanceId, until, Math::max);
    }

    /** Picks from {@code instances} (sorted by id). */
    Optional<ServiceInstance> pick(List<ServiceInstance> instances) {
        List<ServiceInstance> healthy = instances.stream().filter(this::notFailing).toList();
        if (healthy.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(switch (strategy) {
            case RANDOM -> healthy.get(ThreadLocalRandom.current().nextInt(healthy.size()));
            case ROUND_ROBIN -> healthy.get(Math.floorMod(turn.getAndIncrement(), healthy.size()));
            case STICKY -> sticky(healthy);
        });
    }

    private ServiceInstance sticky(List<ServiceInstance> healthy) {
        String current = stickyId.get();
        for (ServiceInstance instance : healthy) {
            if (instance.id().equals(current)) {
                return instance;
            }
        }
        ServiceInstance chosen = healthy.get(ThreadLocalRandom.current().nextInt(healthy.size()));
        stickyId.set(chosen.id());
        return chosen;
    }

    private boolean notFailing(ServiceInstance instance) {
        Long until = failingUntil.get(instance.id());
        if (until == null) {
            return true;
        }
        if (System.nanoTime() - until >= 0) {
            failingUntil.remove(instance.id(), until);
            return true;
        }
        return false;
    }
}
