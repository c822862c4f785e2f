package io.zkrecipes.benchmarks;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.naming.IdGenerator;
import io.zkrecipes.naming.Registration;
import io.zkrecipes.naming.ServiceDiscovery;
import io.zkrecipes.naming.ServiceInstance;
import io.zkrecipes.naming.ServiceRegistry;
import io.zkrecipes.naming.UniqueNameGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.details.ServiceCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;

/**
 * Naming: ids per second (our IdGenerator, one block of ids per request, against Curator's
 * DistributedAtomicLong, one compare-and-set per id), and the time from a provider's
 * registration until consumers see it (our ServiceRegistry/ServiceDiscovery against
 * curator-x-discovery's ServiceDiscovery and ServiceCache).
 */
final class NamingBench {
    static final long ID_ROUND_MILLIS = 500;
    static final int CONSUMERS = 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String SERVICE = "bench";

    /** One process's id source. */
    @FunctionalInterface
    interface Ids {
        long next() throws Exception;
    }

    /** Opens a session of its own with an id source on {@code path}. */
    @FunctionalInterface
    interface IdMaker {
        Ids open(Env env, String path) throws Exception;
    }

    /**
     * One side of discovery: consumers and a provider, each on its own session. A consumer tells
     * {@code added} when it sees an instance appear and {@code removed} when it sees one go.
     */
    interface Discovery {
        void consumer(Env env, String base, int who, AtomicReference<Wave> added, AtomicReference<Wave> removed)
                throws Exception;

        Provider provider(Env env, String base) throws Exception;
    }

    /** Registers instances; {@code register} returns once the instance is registered. */
    interface Provider {
        AutoCloseable register(String id) throws Exception;
    }

    private NamingBench() {
    }

    static IdMaker oursIds() {
        return (env, path) -> {
            IdGenerator ids = env.closeLater(IdGenerator.create(env.client(), path));
            return ids::nextId;
        };
    }

    static IdMaker curatorIds() {
        return (env, path) -> {
            DistributedAtomicLong counter = new DistributedAtomicLong(env.curator(), path, new RetryNTimes(1_000, 0));
            return () -> {
                AtomicValue<Long> v = counter.increment();
                if (!v.succeeded()) {
                    throw new IllegalStateException("increment gave up after 1000 tries");
                }
                return v.postValue();
            };
        };
    }

    static IdMaker oursNames() {
        return (env, path) -> {
            UniqueNameGenerator names = env.closeLater(UniqueNameGenerator.create(env.client(), path));
            return names::nextNumber;
        };
    }

    /** Curator has no unique-name recipe; its usual answer is one sequential create per name (left behind). */
    static IdMaker curatorNames() {
        return (env, path) -> {
            CuratorFramework curator = env.curator();
            String prefix = path + "/name-";
            return () -> {
                String created = curator.create().creatingParentContainersIfNeeded()
                        .withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(prefix);
                return Long.parseLong(created.substring(prefix.length()));
            };
        };
    }

    /** Ids per second from {@code processes} sessions, each a thread taking ids in a loop. */
    static Env.Trial ids(Env env, IdMaker maker, int processes) throws Exception {
        String path = env.freshPath("ids");
        List<Ids> sources = new ArrayList<>();
        for (int i = 0; i < processes; i++) {
            sources.add(maker.open(env, path));
        }
        ExecutorService pool = env.closeLater(new LockBench.ClosingPool(processes)).pool();
        return () -> {
            AtomicLong count = new AtomicLong();
            long t0 = System.nanoTime();
            long deadline = t0 + ID_ROUND_MILLIS * 1_000_000;
            List<Future<?>> runs = new ArrayList<>();
            for (Ids source : sources) {
                runs.add(pool.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        source.next();
                        count.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get();
            }
            return count.get() / ((System.nanoTime() - t0) / 1e9);
        };
    }

    static Discovery ours() {
        return new Discovery() {
            @Override
            public void consumer(Env env, String base, int who, AtomicReference<Wave> added,
                    AtomicReference<Wave> removed) throws Exception {
                ServiceDiscovery d = env.closeLater(ServiceDiscovery.builder(env.client(), SERVICE).basePath(base).build());
                d.addListener(new ServiceDiscovery.Listener() {
                    @Override
                    public void instanceAdded(ServiceInstance instance) {
                        added.get().saw(who, instance.id());
                    }

                    @Override
                    public void instanceRemoved(ServiceInstance instance) {
                        removed.get().saw(who, instance.id());
                    }
                });
                d.start();
                if (!d.awaitInitialized(TIMEOUT)) {
                    throw new IllegalStateException("discovery not initialized in 30 s");
                }
            }

            @Override
            public Provider provider(Env env, String base) throws Exception {
                ServiceRegistry registry = env.closeLater(ServiceRegistry.create(env.client(), base));
                return id -> {
                    Registration r = registry.registerNow(SERVICE, ServiceInstance.of(id, "127.0.0.1", 8080), TIMEOUT);
                    return r::unregister;
                };
            }
        };
    }

    static Discovery curator() {
        return new Discovery() {
            @Override
            public void consumer(Env env, String base, int who, AtomicReference<Wave> added,
                    AtomicReference<Wave> removed) throws Exception {
                org.apache.curator.x.discovery.ServiceDiscovery<Void> d = discovery(env, base);
                ServiceCache<Void> cache = env.closeLater(d.serviceCacheBuilder().name(SERVICE).build());
                cache.addListener(new ServiceCacheListener() {
                    @Override
                    public void cacheChanged() {
                        Wave gone = removed.get();
                        boolean present = false;
                        for (org.apache.curator.x.discovery.ServiceInstance<Void> i : cache.getInstances()) {
                            added.get().saw(who, i.getId());
                            present |= i.getId().equals(gone.value());
                        }
                        if (!present) {
                            gone.saw(who, gone.value());
                        }
                    }

                    @Override
                    public void stateChanged(CuratorFramework client, ConnectionState newState) {
                    }
                });
                cache.start();
            }

            @Override
            public Provider provider(Env env, String base) throws Exception {
                org.apache.curator.x.discovery.ServiceDiscovery<Void> d = discovery(env, base);
                return id -> {
                    org.apache.curator.x.discovery.ServiceInstance<Void> instance =
                            org.apache.curator.x.discovery.ServiceInstance.<Void>builder().name(SERVICE).id(id)
                                    .address("127.0.0.1").port(8080).build();
                    d.registerService(instance);
                    return () -> d.unregisterService(instance);
                };
            }

            private org.apache.curator.x.discovery.ServiceDiscovery<Void> discovery(Env env, String base)
                    throws Exception {
                org.apache.curator.x.discovery.ServiceDiscovery<Void> d = env.closeLater(
                        ServiceDiscoveryBuilder.builder(Void.class).client(env.curator()).basePath(base).build());
                d.start();
                return d;
            }
        };
    }

    /**
     * Twenty consumers and a provider; each trial registers a new instance and adds, per consumer,
     * the milliseconds from the registration call until that consumer's callback; then unregisters
     * and waits until every consumer has seen the instance go, so that no trial pays for the
     * removal of the one before.
     */
    static Env.Trial discovery(Env env, Discovery side, Samples samples) throws Exception {
        String base = env.freshPath("services");
        AtomicReference<Wave> added = new AtomicReference<>(new Wave("none", CONSUMERS));
        AtomicReference<Wave> removed = new AtomicReference<>(new Wave("none", CONSUMERS));
        Provider provider = side.provider(env, base);
        for (int who = 0; who < CONSUMERS; who++) {
            side.consumer(env, base, who, added, removed);
        }
        AtomicLong counter = new AtomicLong();
        return () -> {
            Wave in = new Wave("i" + counter.incrementAndGet(), CONSUMERS);
            added.set(in);
            long t0 = System.nanoTime();
            AutoCloseable registration = provider.register(in.value());
            in.awaitInto(t0, samples);
            Wave out = new Wave(in.value(), CONSUMERS);
            removed.set(out);
            registration.close();
            out.await();
            return 0;
        };
    }
}
