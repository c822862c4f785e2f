package io.zkrecipes.campaign;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.naming.Registration;
import io.zkrecipes.naming.ServiceDiscovery;
import io.zkrecipes.naming.ServiceInstance;
import io.zkrecipes.naming.ServiceRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Every worker is a provider and a consumer of one service: it registers and unregisters instances
 * of its own from a small pool of ids ({@code w1-a} .. {@code w1-d}, so an id comes back after it
 * was unregistered), and follows the service's instances with a {@link ServiceDiscovery}. Once the
 * run settles it stops changing its registrations and records the ones it holds: every consumer's
 * view must converge to the union of those.
 *
 * <p>Operations: {@code register} (input: the instance id; ok once registered, unknown while still
 * pending in the background, failed when the registry refused it), {@code unregister} (input: the
 * id), {@code final} (ok: the ids this provider holds, comma-separated), {@code discover} (a
 * discovery starts: its views begin empty), {@code view} (one per change the discovery's listener
 * is told of; input: {@code +id}, {@code -id} or {@code ~id} for an instance added, removed or
 * updated; result: the ids of {@code instances()} then, comma-separated).
 */
final class RegistryWorkload implements Workload {
    static final String NAME = "registry";
    static final String BASE = "/campaign/services";
    static final String SERVICE = "campaign";

    private static final String SLOTS = "abcd";
    private static final Duration REGISTER_WAIT = Duration.ofSeconds(2);
    private static final Duration FINAL_WAIT = Duration.ofSeconds(3);

    @Override
    public void run(Context ctx) throws InterruptedException {
        Map<String, Registration> held = new TreeMap<>();
        try (ServiceRegistry registry = ServiceRegistry.create(ctx.client(), BASE);
                ServiceDiscovery discovery = discover(ctx)) {
            while (ctx.isRunning() && !ctx.isSettling()) {
                step(ctx, registry, held);
                ctx.pause(200, 600);
            }
            if (ctx.isRunning()) {
                recordFinal(ctx, held);
            }
            while (ctx.isRunning()) {
                Thread.sleep(200); // the discovery keeps following until the worker stops
            }
        }
    }

    private static ServiceDiscovery discover(Context ctx) {
        ServiceDiscovery discovery = ServiceDiscovery.builder(ctx.client(), SERVICE).basePath(BASE).build();
        discovery.addListener(new ServiceDiscovery.Listener() {
            @Override
            public void instanceAdded(ServiceInstance instance) {
                view(ctx, discovery, "+" + instance.id());
            }

            @Override
            public void instanceRemoved(ServiceInstance instance) {
                view(ctx, discovery, "-" + instance.id());
            }

            @Override
            public void instanceUpdated(ServiceInstance before, ServiceInstance after) {
                view(ctx, discovery, "~" + after.id());
            }
        });
        long id = ctx.history().invoke(NAME, "discover", "");
        discovery.start();
        ctx.history().ok(id, NAME, "discover", "");
        return discovery;
    }

    private static void view(Context ctx, ServiceDiscovery discovery, String event) {
        long id = ctx.history().invoke(NAME, "view", event);
        try {
            ctx.history().ok(id, NAME, "view", ids(discovery.instances()));
        } catch (IllegalStateException closed) {
            ctx.history().fail(id, NAME, "view", "closed");
        }
    }

    private static String ids(List<ServiceInstance> instances) {
        return instances.stream().map(ServiceInstance::id).collect(Collectors.joining(","));
    }

    /** Unregisters a held instance or registers a free one, from a slot drawn at random. */
    private static void step(Context ctx, ServiceRegistry registry, Map<String, Registration> held)
            throws InterruptedException {
        int slot = ctx.random().nextInt(SLOTS.length());
        String instanceId = ctx.worker() + "-" + SLOTS.charAt(slot);
        Registration registration = held.remove(instanceId);
        if (registration != null) {
            long id = ctx.history().invoke(NAME, "unregister", instanceId);
            registration.unregister();
            ctx.history().ok(id, NAME, "unregister", "");
            return;
        }
        long id = ctx.history().invoke(NAME, "register", instanceId);
        try {
            registration = registry.register(SERVICE, ServiceInstance.of(instanceId, "127.0.0.1", 20_000 + slot));
        } catch (IllegalStateException refused) {
            ctx.history().fail(id, NAME, "register", refused.getMessage());
            return;
        }
        held.put(instanceId, registration);
        try {
            if (registration.awaitRegistered(REGISTER_WAIT)) {
                ctx.history().ok(id, NAME, "register", "");
            } else {
                ctx.history().unknown(id, NAME, "register", "pending in the background");
            }
        } catch (ZkRecipeException e) {
            ctx.history().unknown(id, NAME, "register", e.getMessage());
        } catch (InterruptedException e) {
            ctx.history().unknown(id, NAME, "register", "interrupted");
            throw e;
        }
    }

    /** Waits a little for every held registration, then records them all: they must all be seen. */
    private static void recordFinal(Context ctx, Map<String, Registration> held) throws InterruptedException {
        long id = ctx.history().invoke(NAME, "final", "");
        long deadline = System.nanoTime() + FINAL_WAIT.toNanos();
        for (Registration r : held.values()) {
            try {
                r.awaitRegistered(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (ZkRecipeException e) {
                // recorded all the same: the consumers' views tell whether it is there
            }
        }
        ctx.history().ok(id, NAME, "final", String.join(",", held.keySet()));
    }
}
