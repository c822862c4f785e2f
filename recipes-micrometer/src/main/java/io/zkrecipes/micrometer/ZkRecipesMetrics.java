package io.zkrecipes.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.zkrecipes.core.ZkClient;
import java.util.Objects;

/**
 * Meters for what the recipes on one {@link ZkClient} do: locks, elections, queues, the service
 * registry and the client's connection. A Micrometer {@link MeterBinder}, so frameworks that bind
 * every binder they find (Spring Boot does) need nothing more:
 *
 * <pre>{@code
 * ZkRecipesMetrics metrics = new ZkRecipesMetrics(client);
 * metrics.bindTo(registry);        // from now on the client's recipes move the meters
 * ...
 * metrics.close();                 // stops listening; the meters stay in the registry
 * }</pre>
 *
 * <p>docs/metrics.md lists every meter. The meters listen to the client's
 * {@linkplain ZkClient#addEventListener recipe events} on a callback lane of their own, so they
 * never hold up a recipe; gauges read values kept in memory, so a scrape sends no request.
 * Thread-safe.
 */
public final class ZkRecipesMetrics implements MeterBinder, AutoCloseable {
    private final ZkClient client;
    private final Tags tags;
    private RecipeMeters bound; // guarded by this
    private boolean closed;

    /** Meters of {@code client}'s recipes, with no extra tags. */
    public ZkRecipesMetrics(ZkClient client) {
        this(client, Tags.empty());
    }

    /**
     * Meters of {@code client}'s recipes, each also tagged with {@code tags} (to tell clients apart,
     * say {@code Tags.of("cluster", "orders")}; keep them few and fixed).
     *
     * @throws NullPointerException if an argument is null
     */
    public ZkRecipesMetrics(ZkClient client, Iterable<Tag> tags) {
        this.client = Objects.requireNonNull(client, "client");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /**
     * Registers the client's meters in {@code registry} and starts listening to its events.
     *
     * @throws NullPointerException  if {@code registry} is null
     * @throws IllegalStateException if already bound (one registry per binder; use a composite
     *                               registry for several), if closed, or if the client is closed
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (closed || client.isClosed()) {
            throw new IllegalStateException(closed ? "metrics binder is closed" : "client is closed");
        }
        if (bound != null) {
            throw new IllegalStateException("metrics of " + client + " were already bound to a registry");
        }
        bound = new RecipeMeters(registry, tags);
        bound.registerClientMeters(client.state());
        client.addEventListener(bound);
    }

    /** Stops listening to the client; the meters stay in the registry with their last values. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        if (bound != null) {
            client.removeEventListener(bound);
        }
    }
}
