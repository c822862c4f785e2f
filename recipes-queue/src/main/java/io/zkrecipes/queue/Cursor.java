package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Sequences;
import io.zkrecipes.core.internal.Session;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;

/**
 * A consumer's position in the queue: the known buckets, the cached sorted names of the current
 * bucket and the data of the next few names, read ahead in one pipelined round trip. Names are
 * re-listed only when the cache is exhausted. Not thread-safe: the queue's consumer lock guards it.
 *
 * <p>Rule for buckets: a consumer leaves bucket k for k+1 only after deleting k, which the server
 * refuses while k holds an item; so an item put late into k is never skipped, and since a single
 * producer fills k before k+1, its items come out in order. A bucket whose remaining items are all
 * claimed by others is passed over and revisited at the next pass, which starts again at the
 * lowest known bucket. At the end of a pass the last bucket and the queue node are listed with
 * the watcher, so an empty queue is then known to stay empty until an event arrives.
 */
final class Cursor {
    /** An item read from its node, ready to be taken or claimed. */
    record Candidate(long bucket, String name, String path, byte[] data, int version) {
        String key() {
            return QueueLayout.key(bucket, name);
        }
    }

    private record Pending(long bucket, String name, String path, CompletableFuture<AsyncOps.NodeData> data) {
    }

    private static final int READ_AHEAD = 8;

    private final ZkClient client;
    private final QueueLayout layout;
    private final ChangeSignal signal;
    private final Deque<String> names = new ArrayDeque<>();
    private final Deque<Pending> readAhead = new ArrayDeque<>();
    private final Set<String> skipped = new HashSet<>();
    private List<Long> buckets;
    private int index;
    private boolean passEnded;
    private long armedGeneration = -1;
    private String claimToWatch;
    private Candidate putBack;

    Cursor(ZkClient client, QueueLayout layout, ChangeSignal signal) {
        this.client = client;
        this.layout = layout;
        this.signal = signal;
    }

    /**
     * The next item to try, or {@code null} when the queue holds nothing available now; then
     * watches are set and {@link #lastPassGeneration()} tells from when.
     */
    Candidate next() throws KeeperException, InterruptedException {
        while (true) {
            if (passEnded) {
                if (signal.generation() == armedGeneration) {
                    return null; // nothing changed since the watched listing: no request needed
                }
                passEnded = false;
                index = 0;
            }
            if (putBack != null) {
                Candidate c = putBack;
                putBack = null;
                return c;
            }
            Pending p = readAhead.pollFirst();
            if (p != null) {
                Candidate c = await(p);
                if (c != null) {
                    return c;
                }
            } else if (!names.isEmpty()) {
                readAhead();
            } else if (!refill()) {
                passEnded = true;
                return null;
            }
        }
    }

    /** An item found claimed by someone else: pass over it until the next pass. */
    void skip(Candidate c) {
        skipped.add(c.key());
    }

    /** Hands {@code c} out again from the next {@link #next()} (after a peek). */
    void putBack(Candidate c) {
        putBack = c;
    }

    /** The next {@link #next()} looks at ZooKeeper again even if no watch fired. */
    void invalidate() {
        armedGeneration = -1;
    }

    /** Drops the cached names so the next {@link #next()} re-lists from the lowest known bucket. */
    void rewind() {
        names.clear();
        readAhead.clear();
        putBack = null;
        index = 0;
        invalidate();
    }

    /** Forgets everything cached, e.g. after the session changed. */
    void reset() {
        names.clear();
        readAhead.clear();
        skipped.clear();
        buckets = null;
        passEnded = false;
        putBack = null;
    }

    long lastPassGeneration() {
        return armedGeneration;
    }

    /** Once per pass: a claim node to watch while waiting (its item comes back when it goes), or null. */
    String takeClaimToWatch() {
        String claim = claimToWatch;
        claimToWatch = null;
        return claim;
    }

    private Candidate await(Pending p) throws KeeperException, InterruptedException {
        try {
            AsyncOps.NodeData d = AsyncOps.join(p.data());
            return new Candidate(p.bucket(), p.name(), p.path(), d.data(), d.stat().getVersion());
        } catch (KeeperException.NoNodeException gone) {
            return null; // taken by someone else meanwhile
        }
    }

    private void readAhead() {
        long bucket = buckets.get(index);
        String bucketPath = layout.bucketPath(bucket);
        // pipelined: the next few items' data cost one round trip together
        for (int i = 0; i < READ_AHEAD && !names.isEmpty(); i++) {
            String name = names.pollFirst();
            String path = ZkPaths.join(bucketPath, name);
            readAhead.addLast(new Pending(bucket, name, path, Session.of(client).ops().getData(path, null)));
        }
    }

    /** Loads the next names; false at the end of a pass (watches set). */
    private boolean refill() throws KeeperException, InterruptedException {
        long generation = signal.generation();
        if (buckets == null || buckets.isEmpty()) {
            buckets = listRoot(Session.of(client).ops().getChildren(layout.root, signal.track(layout.root)));
            index = 0;
        }
        if (index >= buckets.size()) {
            return endPass(generation);
        }
        long bucket = buckets.get(index);
        boolean last = index == buckets.size() - 1;
        String bucketPath = layout.bucketPath(bucket);
        CompletableFuture<AsyncOps.Children> listed =
                Session.of(client).ops().getChildren(bucketPath, last ? signal.track(bucketPath) : null);
        // pipelined with the last bucket's listing: learn of a newer bucket in the same round trip
        CompletableFuture<AsyncOps.Children> root =
                last ? Session.of(client).ops().getChildren(layout.root, signal.track(layout.root)) : null;
        List<String> items = listBucket(bucket, listed);
        if (root != null) {
            updateBuckets(bucket, listRoot(root));
        }
        return load(bucket, items, generation);
    }

    /** Takes a bucket's listing: its available names, or the move to the next bucket. */
    private boolean load(long bucket, List<String> items, long generation)
            throws KeeperException, InterruptedException {
        if (items == null) {
            buckets.remove(index); // gone: deleted by another consumer or reaped by the server
            return index < buckets.size() || endPass(generation);
        }
        for (String name : Sequences.sorted(items)) {
            if (QueueLayout.isItem(name) && !skipped.contains(QueueLayout.key(bucket, name))) {
                names.addLast(name);
            }
        }
        if (!names.isEmpty()) {
            return true;
        }
        if (index == buckets.size() - 1) {
            return endPass(generation);
        }
        if (items.isEmpty()) {
            try {
                // only an empty bucket can be deleted: an item put late keeps us here
                AsyncOps.join(Session.of(client).ops().delete(layout.bucketPath(bucket), -1));
            } catch (KeeperException.NotEmptyException lateItem) {
                return true;
            } catch (KeeperException.NoNodeException alreadyGone) {
                // deleted by another consumer
            }
            buckets.remove(index);
        } else {
            index++; // all claimed by others: revisit at the next pass
        }
        return true;
    }

    private boolean endPass(long generation) {
        armedGeneration = generation;
        claimToWatch = skipped.isEmpty() ? null : layout.claimPath(skipped.iterator().next());
        skipped.clear();
        return false;
    }

    /** The bucket's children, or null if it is gone; a listing too large for the client fails clearly. */
    private List<String> listBucket(long bucket, CompletableFuture<AsyncOps.Children> listed)
            throws KeeperException, InterruptedException {
        try {
            return AsyncOps.join(listed).names();
        } catch (KeeperException.NoNodeException e) {
            return null;
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code())) {
                ListingGuard.check(client, layout.bucketPath(bucket), e);
            }
            throw e;
        }
    }

    private List<Long> listRoot(CompletableFuture<AsyncOps.Children> listed)
            throws KeeperException, InterruptedException {
        try {
            return new ArrayList<>(QueueLayout.buckets(AsyncOps.join(listed).names()));
        } catch (KeeperException.NoNodeException e) {
            return new ArrayList<>();
        } catch (KeeperException e) {
            if (ZkClient.isRetryable(e.code())) {
                ListingGuard.check(client, layout.root, e);
            }
            throw e;
        }
    }

    /** Takes the buckets from a fresh listing, keeping the current one in place. */
    private void updateBuckets(long current, List<Long> listed) {
        if (!listed.contains(current)) {
            listed.add(current);
            listed.sort(null);
        }
        buckets = listed;
        index = listed.indexOf(current);
    }
}
