package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;

/**
 * Claimed processing. A claim is an ephemeral node {@code claims/<key>} made in one multi with a
 * check that the item is still there. Every later step (complete, count a failure, move to the
 * dead letters) is one multi that checks the claim, deletes it, and is sent on the claiming
 * session's own handle: if that session ended, the claim vanished with it, the item is available
 * again, and the stale step is refused by the server, so an item is never completed twice.
 */
final class Claims {
    /** An item claimed by this consumer, on {@code session}, after {@code attempts} failures. */
    record Claim(SessionBound session, Cursor.Candidate item, int attempts, boolean attemptsExist) {
    }

    private static final int ABSENT = -1;
    private static final int UNKNOWN = -2;
    private static final Duration RECONNECT_WAIT = Duration.ofSeconds(60);

    private final ZkClient client;
    private final QueueLayout layout;
    private final int maxAttempts;

    Claims(ZkClient client, QueueLayout layout, int maxAttempts) {
        this.client = client;
        this.layout = layout;
        this.maxAttempts = maxAttempts;
    }

    /** Claims {@code c}, or returns null if it is gone or claimed by someone else. */
    Claim claim(Cursor.Candidate c) throws KeeperException, InterruptedException {
        SessionBound s = new SessionBound(client);
        String claimPath = layout.claimPath(c.key());
        // pipelined: the failure count comes back in the same round trip as the claim
        CompletableFuture<byte[]> count = s.getData(layout.attemptsPath(c.key()));
        List<Op> ops = List.of(Op.check(c.path(), c.version()),
                Session.of(client).ops().createOp(claimPath, new byte[0], CreateMode.EPHEMERAL));
        CompletableFuture<List<OpResult>> made = s.multiAsync(ops);
        try {
            AsyncOps.join(made);
        } catch (InterruptedException e) {
            // do not leave a claim behind: release it if it was made (on this session, after it)
            made.thenRun(() -> s.multiAsync(List.of(Op.delete(claimPath, -1))));
            throw e;
        } catch (KeeperException e) {
            if (e.code() == Code.NONODE && claimPath.equals(e.getPath())) {
                Markers.createDirectories(client, layout);
                return claim(c);
            }
            if (!ZkClient.isRetryable(e.code()) || !awaitSameSession(s) || !ownsClaim(s, claimPath)) {
                return null; // gone, claimed by another, or our session ended: look for another item
            }
        }
        int attempts = readCount(count);
        if (attempts == UNKNOWN) {
            attempts = readCount(s.getData(layout.attemptsPath(c.key())));
        }
        return new Claim(s, c, Math.max(0, attempts), attempts >= 0);
    }

    /** Deletes the item and the claim. */
    DistributedQueue.Outcome complete(Claim claim) throws InterruptedException {
        List<Op> ops = new ArrayList<>();
        ops.add(Op.delete(claim.item().path(), -1));
        if (claim.attemptsExist()) {
            ops.add(Op.delete(layout.attemptsPath(claim.item().key()), -1));
        }
        return finish(claim, ops, DistributedQueue.Outcome.COMPLETED);
    }

    /** Counts a failed attempt and releases the item, or moves it to the dead letters at the limit. */
    DistributedQueue.Outcome fail(Claim claim) throws InterruptedException {
        String key = claim.item().key();
        String attemptsPath = layout.attemptsPath(key);
        int attempts = claim.attempts() + 1;
        List<Op> ops = new ArrayList<>();
        if (attempts >= maxAttempts) {
            ops.add(Session.of(client).ops().createOp(layout.deadLetterPath(key), claim.item().data(), CreateMode.PERSISTENT));
            ops.add(Op.delete(claim.item().path(), -1));
            if (claim.attemptsExist()) {
                ops.add(Op.delete(attemptsPath, -1));
            }
            return finish(claim, ops, DistributedQueue.Outcome.DEAD_LETTERED);
        }
        byte[] count = Integer.toString(attempts).getBytes(StandardCharsets.UTF_8);
        ops.add(claim.attemptsExist() ? Op.setData(attemptsPath, count, -1)
                : Session.of(client).ops().createOp(attemptsPath, count, CreateMode.PERSISTENT));
        return finish(claim, ops, DistributedQueue.Outcome.FAILED);
    }

    /** Releases the claim alone, leaving the item as it was; best effort. */
    void release(Claim claim) {
        claim.session().multiAsync(List.of(Op.delete(layout.claimPath(claim.item().key()), -1)));
    }

    private DistributedQueue.Outcome finish(Claim claim, List<Op> steps, DistributedQueue.Outcome onSuccess)
            throws InterruptedException {
        SessionBound s = claim.session();
        String claimPath = layout.claimPath(claim.item().key());
        List<Op> ops = new ArrayList<>();
        ops.add(Op.check(claimPath, -1));
        ops.addAll(steps);
        ops.add(Op.delete(claimPath, -1));
        while (true) {
            try {
                s.multi(ops);
                return onSuccess;
            } catch (KeeperException e) {
                if (!ZkClient.isRetryable(e.code())) {
                    return lostOrFail(e, claim);
                }
                if (!awaitSameSession(s)) {
                    return DistributedQueue.Outcome.CLAIM_LOST; // outcome unknown; the claim is gone either way
                }
                if (!ownsClaim(s, claimPath)) {
                    return onSuccess; // the claim is deleted only by this multi: it was applied
                }
            }
        }
    }

    private DistributedQueue.Outcome lostOrFail(KeeperException e, Claim claim) {
        String claimPath = layout.claimPath(claim.item().key());
        if (e.code() == Code.SESSIONEXPIRED || (e.code() == Code.NONODE && claimPath.equals(e.getPath()))) {
            return DistributedQueue.Outcome.CLAIM_LOST;
        }
        release(claim);
        throw new ZkRecipeException("finish claimed item " + claim.item().path(), e);
    }

    private boolean ownsClaim(SessionBound s, String claimPath) throws InterruptedException {
        try {
            Stat stat = s.exists(claimPath);
            return stat != null && stat.getEphemeralOwner() == s.sessionId;
        } catch (KeeperException e) {
            return false; // the session ended meanwhile: the claim, if any, went with it
        }
    }

    /** Waits for a connection; true if it is still the claim's session. */
    private boolean awaitSameSession(SessionBound s) throws InterruptedException {
        long deadline = System.nanoTime() + RECONNECT_WAIT.toNanos();
        while (System.nanoTime() < deadline && !client.isClosed()) {
            if (client.awaitConnected(Duration.ofMillis(200))) {
                return client.sessionId() == s.sessionId && client.isConnected();
            }
        }
        return false;
    }

    /** The failure count, {@link #ABSENT} if there is none, {@link #UNKNOWN} if the read failed. */
    private static int readCount(CompletableFuture<byte[]> count) throws InterruptedException {
        try {
            return Integer.parseInt(new String(AsyncOps.join(count), StandardCharsets.UTF_8).trim());
        } catch (KeeperException.NoNodeException e) {
            return ABSENT;
        } catch (KeeperException e) {
            return UNKNOWN;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
