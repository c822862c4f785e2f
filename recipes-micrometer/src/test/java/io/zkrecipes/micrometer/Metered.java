package io.zkrecipes.micrometer;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.concurrent.Callable;

/** A client of the test servers with its recipes' meters bound to a fresh registry, and reads of those meters. */
final class Metered {
    static final Duration WAIT = Duration.ofSeconds(20);

    final ZkClient client;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    Metered(ZkTestServers zk) {
        this.client = zk.newClient();
        zk.closeAfterTest(new ZkRecipesMetrics(client)).bindTo(registry);
    }

    /** A counter's count; 0 while it does not exist. */
    double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    /** How many times a timer recorded; 0 while it does not exist. */
    long timed(String name, String... tags) {
        Timer t = registry.find(name).tags(tags).timer();
        return t == null ? 0 : t.count();
    }

    /** A gauge's value; NaN while it does not exist. */
    double gauge(String name, String... tags) {
        Gauge g = registry.find(name).tags(tags).gauge();
        return g == null ? Double.NaN : g.value();
    }

    /** Waits until {@code read} gives {@code expected}: meters move on the listener's lane, shortly after the event. */
    static <T> void awaitValue(T expected, Callable<T> read) {
        await().atMost(WAIT).until(() -> expected.equals(read.call()));
    }
}
