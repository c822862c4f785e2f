package io.zkrecipes.benchmarks;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.lock.CountingSemaphore;
import io.zkrecipes.lock.DistributedLock;
import io.zkrecipes.lock.ReadWriteLock;
import io.zkrecipes.lock.SequentialLock;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;

/** One side's lock, reduced to what the lock scenarios time: acquire, then release what was held. */
final class Lockers {
    private Lockers() {
    }

    /** A lock held by one simulated process. */
    @FunctionalInterface
    interface Locker {
        /** Blocks until held; closing the result releases it. */
        Held acquire() throws Exception;
    }

    /** A hold; {@link #close()} releases it. */
    @FunctionalInterface
    interface Held extends AutoCloseable {
        @Override
        void close() throws Exception;
    }

    /** Opens a new session of its own for one simulated process. */
    @FunctionalInterface
    interface Maker {
        Process open(Env env) throws Exception;
    }

    /** A simulated process: makes lockers on its session. */
    @FunctionalInterface
    interface Process {
        Locker lock(String path) throws Exception;
    }

    static Maker ours() {
        return env -> {
            ZkClient client = env.client();
            return path -> of(SequentialLock.create(client, path));
        };
    }

    static Maker oursWriteLock() {
        return env -> {
            ZkClient client = env.client();
            return path -> of(ReadWriteLock.create(client, path).writeLock());
        };
    }

    static Maker oursReadLock() {
        return env -> {
            ZkClient client = env.client();
            return path -> of(ReadWriteLock.create(client, path).readLock());
        };
    }

    static Maker oursSemaphore(int permits) {
        return env -> {
            ZkClient client = env.client();
            return path -> of(CountingSemaphore.create(client, path, permits));
        };
    }

    private static Locker of(DistributedLock lock) {
        return () -> lock.acquire()::close;
    }

    static Maker curatorMutex() {
        return env -> {
            CuratorFramework curator = env.curator();
            return path -> held(new InterProcessMutex(curator, path));
        };
    }

    static Maker curatorWriteLock() {
        return env -> {
            CuratorFramework curator = env.curator();
            return path -> held(new InterProcessReadWriteLock(curator, path).writeLock());
        };
    }

    static Maker curatorReadLock() {
        return env -> {
            CuratorFramework curator = env.curator();
            return path -> held(new InterProcessReadWriteLock(curator, path).readLock());
        };
    }

    private static Locker held(InterProcessMutex lock) {
        return () -> {
            lock.acquire();
            return lock::release;
        };
    }

    static Maker curatorSemaphore(int leases) {
        return env -> {
            CuratorFramework curator = env.curator();
            return path -> {
                InterProcessSemaphoreV2 semaphore = new InterProcessSemaphoreV2(curator, path, leases);
                return () -> {
                    Lease lease = semaphore.acquire();
                    return lease::close;
                };
            };
        };
    }
}
