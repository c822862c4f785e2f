package io.zkrecipes.partition;

/**
 * Told which partitions this member owns, in order: for each partition, {@code assigned} and then
 * {@code revoked}, alternately. Both run on the partitioner's callback lane (or the executor given to
 * its builder), one call at a time, never on ZooKeeper's or the client's threads.
 */
public interface PartitionListener {
    /**
     * This member owns {@code partition} from now on, under fencing token {@code token}: a number
     * that is larger for each new owner of the partition (the owner node's creation zxid). Give the
     * token with every write the work makes, so that a store can refuse a stale owner. The same
     * token is given again when an ownership resumes after a short disconnection, since no one else
     * owned the partition in between.
     *
     * @param partition the partition's name
     * @param token     the ownership's fencing token
     */
    void assigned(String partition, long token);

    /**
     * Stop working on {@code partition}: the assignment moved it to another member, the connection
     * was lost, the session ended, or the partitioner is closing. When the partition moves, its
     * owner node is deleted only after this method returns, so the next owner starts after it; keep
     * it short, because the partition stays unowned until it returns. After a session loss (or with
     * {@code keepWhileSuspended}) the partition may already have a new owner when this is called.
     *
     * @param partition the partition's name
     */
    void revoked(String partition);
}
