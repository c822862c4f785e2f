package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;

/** Helpers shared by the queue tests. */
final class QueueTesting {
    private QueueTesting() {
    }

    static DistributedQueue<String> queue(ZkClient client, String path, int bucketCapacity)
            throws InterruptedException {
        return DistributedQueue.builder(client, path, Serializer.utf8()).bucketCapacity(bucketCapacity).build();
    }

    /**
     * A poll during faults: empty also when the queue could not answer in time (a take with no
     * reply by the deadline throws; a later poll of the instance returns its item if it was taken).
     * A refusal is still thrown.
     */
    static <T> Optional<T> pollThroughFaults(Callable<Optional<T>> poll) throws Exception {
        try {
            return poll.call();
        } catch (ZkRecipeException e) {
            if (e.code() == KeeperException.Code.OPERATIONTIMEOUT || e.code() == KeeperException.Code.CONNECTIONLOSS
                    || e.code() == KeeperException.Code.SESSIONEXPIRED) {
                return Optional.empty();
            }
            throw e;
        }
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
