package io.zkrecipes.lock;

import io.zkrecipes.core.RequestStats;
import io.zkrecipes.core.ZkClient;
import java.util.Map;

/** Every lock kind the contract suite runs against, made handle-owned so tests can hand leases around. */
enum LockKind {
    EXCLUSIVE(1),
    SEQUENTIAL(1),
    WRITE(1),
    SEMAPHORE_3(3);

    private final int limit;

    LockKind(int limit) {
        this.limit = limit;
    }

    /** How many holders may hold it at once. */
    int limit() {
        return limit;
    }

    DistributedLock create(ZkClient client, String path) {
        return create(client, path, LockOptions.defaults().ownership(LockOptions.Ownership.HANDLE));
    }

    DistributedLock create(ZkClient client, String path, LockOptions options) {
        return switch (this) {
            case EXCLUSIVE -> ExclusiveLock.create(client, path, options);
            case SEQUENTIAL -> SequentialLock.create(client, path, options);
            case WRITE -> ReadWriteLock.create(client, path, options).writeLock();
            case SEMAPHORE_3 -> CountingSemaphore.create(client, path, 3, options);
        };
    }

    /** Whether a client that had sent {@code before} requests is now blocked on a watch. */
    boolean isWaiting(ZkClient client, Map<RequestStats.Type, Long> before) {
        RequestStats stats = client.requestStats();
        boolean watchingNode = stats.count(RequestStats.Type.GET_DATA) > before.get(RequestStats.Type.GET_DATA);
        boolean semaphore = this == SEMAPHORE_3;
        boolean watchingLeases = semaphore
                && stats.count(RequestStats.Type.GET_CHILDREN) >= before.get(RequestStats.Type.GET_CHILDREN) + 2;
        return watchingNode || watchingLeases;
    }
}
