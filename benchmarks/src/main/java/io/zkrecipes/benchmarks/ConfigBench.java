package io.zkrecipes.benchmarks;

import io.zkrecipes.config.ConfigChange;
import io.zkrecipes.config.ConfigStore;
import io.zkrecipes.core.ZkClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.ZooKeeper;

/**
 * Configuration propagation: one publisher writes a key, twenty subscribers on their own sessions
 * see it; for each subscriber the time from the publisher's write returning to its callback.
 * Ours is ConfigStore's put and subscribe; Curator's is setData and a CuratorCache per subscriber;
 * the {@link #floor()} is what the requests alone cost.
 */
final class ConfigBench {
    static final int SUBSCRIBERS = 20;
    static final int PUTS_PER_ROUND = 10;
    private static final String KEY = "k";

    /** A side: subscribes {@code who} on its own session; publishes with {@link Publisher}. */
    interface Side {
        void subscribe(Env env, String root, int who, AtomicReference<Wave> wave) throws Exception;

        Publisher publisher(Env env, String root) throws Exception;
    }

    /** Writes the key; returns when the write is acknowledged. */
    @FunctionalInterface
    interface Publisher {
        void put(String value) throws Exception;
    }

    private ConfigBench() {
    }

    static Side ours() {
        return new Side() {
            @Override
            public void subscribe(Env env, String root, int who, AtomicReference<Wave> wave) throws Exception {
                ConfigStore store = env.closeLater(ConfigStore.create(env.client(), root));
                store.subscribe(update -> {
                    for (ConfigChange c : update.changes()) {
                        if (c.key().equals(KEY) && c.current() != null) {
                            wave.get().saw(who, c.newValue());
                        }
                    }
                });
            }

            @Override
            public Publisher publisher(Env env, String root) throws Exception {
                ConfigStore store = env.closeLater(ConfigStore.create(env.client(), root));
                return value -> store.put(KEY, value);
            }
        };
    }

    /**
     * The floor: a bare ZooKeeper handle per subscriber, one persistent recursive watch, and on each
     * event one read whose callback is the subscriber, on the event thread. No cache, no hand-off.
     */
    static Side floor() {
        return new Side() {
            @Override
            public void subscribe(Env env, String root, int who, AtomicReference<Wave> wave) throws Exception {
                ZooKeeper zk = env.client().unwrap();
                String path = root + "/" + KEY;
                zk.addWatch(root, event -> {
                    if (path.equals(event.getPath())) {
                        zk.getData(path, false, (rc, p, ctx, data, stat) -> {
                            if (data != null) {
                                wave.get().saw(who, new String(data, StandardCharsets.UTF_8));
                            }
                        }, null);
                    }
                }, AddWatchMode.PERSISTENT_RECURSIVE);
            }

            @Override
            public Publisher publisher(Env env, String root) throws Exception {
                return curator().publisher(env, root);
            }
        };
    }

    static Side curator() {
        return new Side() {
            @Override
            public void subscribe(Env env, String root, int who, AtomicReference<Wave> wave) throws Exception {
                CuratorCache cache = env.closeLater(CuratorCache.build(env.curator(), root));
                String path = root + "/" + KEY;
                cache.listenable().addListener(CuratorCacheListener.builder().forCreatesAndChanges((old, node) -> {
                    if (node.getPath().equals(path)) {
                        wave.get().saw(who, new String(node.getData(), StandardCharsets.UTF_8));
                    }
                }).build());
                cache.start();
            }

            @Override
            public Publisher publisher(Env env, String root) throws Exception {
                CuratorFramework curator = env.curator();
                String path = root + "/" + KEY;
                curator.create().creatingParentsIfNeeded().forPath(path, "0".getBytes(StandardCharsets.UTF_8));
                return value -> curator.setData().forPath(path, value.getBytes(StandardCharsets.UTF_8));
            }
        };
    }

    /** Prepares twenty subscribers and a publisher; each trial is one write, twenty samples. */
    static Env.Trial prepare(Env env, Side side, Samples samples) throws Exception {
        String root = env.freshPath("config");
        AtomicReference<Wave> wave = new AtomicReference<>(new Wave("0", SUBSCRIBERS));
        Publisher publisher = side.publisher(env, root);
        for (int who = 0; who < SUBSCRIBERS; who++) {
            side.subscribe(env, root, who, wave);
        }
        AtomicLong counter = new AtomicLong();
        return () -> {
            Wave w = new Wave(Long.toString(counter.incrementAndGet()), SUBSCRIBERS);
            wave.set(w);
            long sent = System.nanoTime(); // from the call: a subscriber may see the value before put returns
            publisher.put(w.value());
            w.awaitInto(sent, samples);
            return 0;
        };
    }
}
