package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import java.lang.reflect.Method;
import java.util.List;
import org.apache.zookeeper.ZooKeeper;

/** Helpers shared by the queue tests. */
final class QueueTesting {
    private QueueTesting() {
    }

    static DistributedQueue<String> queue(ZkClient client, String path, int bucketCapacity)
            throws InterruptedException {
        return DistributedQueue.builder(client, path, Serializer.utf8()).bucketCapacity(bucketCapacity).build();
    }

    /** Watches the client's current session has registered (data, child, exist, persistent). */
    static int watchCount(ZkClient client) throws ReflectiveOperationException {
        ZooKeeper zk = client.unwrap();
        int total = 0;
        for (String name : List.of("getDataWatches", "getChildWatches", "getExistWatches", "getPersistentWatches")) {
            Method m = ZooKeeper.class.getDeclaredMethod(name);
            m.setAccessible(true);
            total += ((List<?>) m.invoke(zk)).size();
        }
        return total;
    }
}
