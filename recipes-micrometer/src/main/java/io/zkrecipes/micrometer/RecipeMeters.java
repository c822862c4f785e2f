package io.zkrecipes.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.RecipeEvents;
import io.zkrecipes.core.ZkClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.KeeperException;

/**
 * Turns one client's recipe events into meters. Counters and timers are found or made in the
 * registry on each event; a gauge reads a value kept here, one per meter and tag, so a scrape
 * costs no request. Events arrive one at a time on the listener's lane.
 */
final class RecipeMeters implements RecipeEvents {
    private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

    private final MeterRegistry registry;
    private final Tags common;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    private volatile ConnectionState state;

    RecipeMeters(MeterRegistry registry, Tags common) {
        this.registry = registry;
        this.common = common;
    }

    /** Registers the client's meters, which exist before any event; {@code current} is its state now. */
    void registerClientMeters(ConnectionState current) {
        state = current;
        for (ConnectionState s : ConnectionState.values()) {
            Gauge.builder(RecipeMeter.CLIENT_STATE.id, this, m -> m.state == s ? 1 : 0)
                    .tags(common).tag("state", lower(s.name())).description(RecipeMeter.CLIENT_STATE.description)
                    .strongReference(true).register(registry);
        }
        // the client's counters read 0 from the start, so that a rate can be taken before the first event
        counter(RecipeMeter.CLIENT_SUSPENSIONS, Tags.empty());
        counter(RecipeMeter.CLIENT_EXPIRATIONS, Tags.empty());
    }

    // ---- the client ------------------------------------------------------------------------

    @Override
    public void stateChanged(ZkClient client, ConnectionState newState) {
        state = newState;
        if (newState == ConnectionState.SUSPENDED) {
            counter(RecipeMeter.CLIENT_SUSPENSIONS, Tags.empty()).increment();
        } else if (newState == ConnectionState.LOST) {
            counter(RecipeMeter.CLIENT_EXPIRATIONS, Tags.empty()).increment();
        }
    }

    @Override
    public void retried(KeeperException.Code code) {
        counter(RecipeMeter.CLIENT_RETRIES, Tags.of("code", lower(code.name()))).increment();
    }

    // ---- locks -------------------------------------------------------------------------------

    @Override
    public void lockAcquired(String path, Duration waited) {
        counter(RecipeMeter.LOCK_ACQUISITIONS, byPath(path)).increment();
        timer(RecipeMeter.LOCK_WAIT, byPath(path).and("outcome", "acquired")).record(waited);
    }

    @Override
    public void lockTimedOut(String path, Duration waited) {
        counter(RecipeMeter.LOCK_TIMEOUTS, byPath(path)).increment();
        timer(RecipeMeter.LOCK_WAIT, byPath(path).and("outcome", "timed_out")).record(waited);
    }

    @Override
    public void lockReleased(String path, Duration held) {
        timer(RecipeMeter.LOCK_HOLD, byPath(path)).record(held);
    }

    @Override
    public void lockLost(String path, Duration held) {
        counter(RecipeMeter.LOCK_LOSSES, byPath(path)).increment();
        timer(RecipeMeter.LOCK_HOLD, byPath(path)).record(held);
    }

    // ---- elections ---------------------------------------------------------------------------

    @Override
    public void leadershipGained(String path) {
        counter(RecipeMeter.ELECTION_CHANGES, byPath(path).and("change", "gained")).increment();
        gauge(RecipeMeter.ELECTION_LEADING, path).incrementAndGet();
    }

    @Override
    public void leadershipLost(String path, Duration led) {
        counter(RecipeMeter.ELECTION_CHANGES, byPath(path).and("change", "lost")).increment();
        timer(RecipeMeter.ELECTION_LEADERSHIP, byPath(path)).record(led);
        gauge(RecipeMeter.ELECTION_LEADING, path).decrementAndGet();
    }

    /** The leader's id is left out on purpose: one series per leader would grow without bound. */
    @Override
    public void leaderChanged(String path, Optional<String> leaderId) {
        counter(RecipeMeter.ELECTION_LEADER_CHANGES, byPath(path)).increment();
        gauge(RecipeMeter.ELECTION_LEADER_PRESENT, path).set(leaderId.isPresent() ? 1 : 0);
    }

    // ---- queues ------------------------------------------------------------------------------

    @Override
    public void queuePut(String path, int items) {
        counter(RecipeMeter.QUEUE_PUTS, byPath(path)).increment(items);
    }

    @Override
    public void queueTaken(String path) {
        counter(RecipeMeter.QUEUE_TAKES, byPath(path)).increment();
    }

    @Override
    public void queueProcessed(String path, String outcome) {
        counter(RecipeMeter.QUEUE_OUTCOMES, byPath(path).and("outcome", lower(outcome))).increment();
    }

    @Override
    public void queueDeadLettered(String path) {
        counter(RecipeMeter.QUEUE_DEAD_LETTERS, byPath(path)).increment();
    }

    @Override
    public void queueDepthSeen(String path, long waiting) {
        gauge(RecipeMeter.QUEUE_DEPTH, path).set(waiting);
    }

    // ---- service registry --------------------------------------------------------------------

    @Override
    public void serviceRegistered(String service) {
        counter(RecipeMeter.REGISTRY_REGISTRATIONS, Tags.of("service", service)).increment();
    }

    @Override
    public void instancesSeen(String service, int instances) {
        gauge(RecipeMeter.REGISTRY_INSTANCES, Tags.of("service", service)).set(instances);
    }

    // ---- meters ------------------------------------------------------------------------------

    private Counter counter(RecipeMeter meter, Tags tags) {
        return Counter.builder(meter.id).tags(common).tags(tags).description(meter.description).register(registry);
    }

    private Timer timer(RecipeMeter meter, Tags tags) {
        return Timer.builder(meter.id).tags(common).tags(tags).description(meter.description)
                .publishPercentiles(PERCENTILES).register(registry);
    }

    private AtomicLong gauge(RecipeMeter meter, String path) {
        return gauge(meter, byPath(path));
    }

    /** The value behind the gauge {@code meter} with {@code tags}, registered on first use. */
    private AtomicLong gauge(RecipeMeter meter, Tags tags) {
        return gauges.computeIfAbsent(meter.id + tags, key -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(meter.id, value, AtomicLong::get).tags(common).tags(tags).description(meter.description)
                    .strongReference(true).register(registry);
            return value;
        });
    }

    private static Tags byPath(String path) {
        return Tags.of("path", path);
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
