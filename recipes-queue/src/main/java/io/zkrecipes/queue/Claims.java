package io.zkrecipes.queue;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.queue.DistributedQueue.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claimed processing. A claim is an ephemeral node {@code claims/<key>} made in one multi with a
 * check that the item is still there. Every later step (complete, count a failure, move to the
 * dead letters) is one multi that checks the claim, deletes it, and is sent only on the claiming
 * session: if that session ended, the claim vanished with it, the item is available again, and the
 * stale step fails (SESSIONEXPIRED), so an item is never completed twice. Claims left with an
 * unknown outcome go to core's cleanup path, which deletes them only while they are ours.
 */
final class Claims {
    private static final Logger log = LoggerFactory.getLogger(Claims.class);

    /** An item claimed on session {@code sessionId}, after {@code attempts} failures. */
    record Claim(long sessionId, QueueReader.Candidate item, int attempts, boolean attemptsExist) {
    }

    private final Session session;
    private final QueueLayout layout;
    private final int maxAttempts;

    Claims(Session session, QueueLayout layout, int maxAttempts) {
        this.session = session;
        this.layout = layout;
        this.maxAttempts = maxAttempts;
    }

    /**
     * Claims {@code c}; null if it is gone or this session ended.
     *
     * @throws KeeperException.NodeExistsException if another consumer holds a claim on it
     */
    Claim claim(QueueReader.Candidate c, Deadline deadline) throws KeeperException, InterruptedException {
        long sid = session.sessionId();
        AsyncOps ops = session.opsFor(sid);
        String claimPath = layout.claimPath(c.key());
        // pipelined: the failure count comes back in the same round trip as the claim
        CompletableFuture<AsyncOps.NodeData> count = ops.getData(layout.attemptsPath(c.key()), null);
        boolean[] sent = {false};
        try {
            boolean claimed = session.retry(deadline, () -> {
                if (sent[0] && owns(ops, claimPath, sid, deadline)) {
                    return true; // the multi whose reply was lost was applied
                }
                return send(c, claimPath, ops, sent, deadline);
            });
            if (!claimed) {
                return null;
            }
            return readAttempts(c, sid, count, deadline);
        } catch (KeeperException.SessionExpiredException e) {
            return null; // a claim made on that session went with it
        } catch (KeeperException | InterruptedException | RuntimeException e) {
            if (sent[0]) {
                session.deleteOwned(claimPath, sid); // outcome unknown: never leave a claim behind
            }
            throw e;
        }
    }

    private boolean send(QueueReader.Candidate c, String claimPath, AsyncOps ops, boolean[] sent, Deadline deadline)
            throws KeeperException, InterruptedException {
        List<Op> multi = List.of(Op.check(c.path(), c.version()),
                ops.createOp(claimPath, QueueLayout.EMPTY, CreateMode.EPHEMERAL));
        sent[0] = true; // from here until a reply, the claim may exist
        try {
            deadline.join(ops.multi(multi));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            sent[0] = false;
            throw e;
        } catch (KeeperException.BadVersionException e) {
            sent[0] = false;
            return false;
        } catch (KeeperException.NoNodeException e) {
            sent[0] = false;
            if (!claimPath.equals(e.getPath())) {
                return false; // taken by someone else
            }
            layout.create(session, deadline); // the claims directory was deleted
            return send(c, claimPath, ops, sent, deadline);
        }
    }

    /** The claim, with the failure count from the pipelined read (read again if that failed). */
    private Claim readAttempts(QueueReader.Candidate c, long sid, CompletableFuture<AsyncOps.NodeData> count,
            Deadline deadline) throws KeeperException, InterruptedException {
        String path = layout.attemptsPath(c.key());
        Integer attempts;
        try {
            attempts = parse(deadline.join(count));
        } catch (KeeperException.NoNodeException e) {
            return new Claim(sid, c, 0, false);
        } catch (KeeperException e) {
            attempts = session.retry(deadline, () -> {
                try {
                    return parse(deadline.join(session.opsFor(sid).getData(path, null)));
                } catch (KeeperException.NoNodeException absent) {
                    return null;
                }
            });
        }
        return new Claim(sid, c, attempts == null ? 0 : attempts, attempts != null);
    }

    private static int parse(AsyncOps.NodeData data) {
        try {
            return Integer.parseInt(new String(data.data(), StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Runs {@code handler} on the claimed item on the calling thread and records what it did: the
     * item completed when it returned; a failed attempt when it threw a {@code RuntimeException}
     * (then {@code back} runs: the item is at the head again); the claim released, and the
     * {@code Error} rethrown, when it threw one.
     */
    <T> Outcome process(Claim claim, Function<QueueReader.Candidate, T> decode, Consumer<? super T> handler,
            Runnable back) throws InterruptedException {
        try {
            handler.accept(decode.apply(claim.item()));
        } catch (RuntimeException e) {
            log.warn("Handler failed on item {} of queue {} (attempt {})", claim.item().key(), layout.root,
                    claim.attempts() + 1, e);
            Outcome outcome = fail(claim);
            back.run();
            return outcome;
        } catch (Error e) {
            release(claim);
            throw e;
        }
        return complete(claim);
    }

    /** Deletes the item and the claim. */
    Outcome complete(Claim claim) throws InterruptedException {
        List<Op> ops = new ArrayList<>();
        ops.add(Op.delete(claim.item().path(), -1));
        if (claim.attemptsExist()) {
            ops.add(Op.delete(layout.attemptsPath(claim.item().key()), -1));
        }
        return finish(claim, ops, Outcome.COMPLETED);
    }

    /** Counts a failed attempt and releases the item, or moves it to the dead letters at the limit. */
    Outcome fail(Claim claim) throws InterruptedException {
        String key = claim.item().key();
        String attemptsPath = layout.attemptsPath(key);
        int attempts = claim.attempts() + 1;
        AsyncOps ops = session.opsFor(claim.sessionId());
        List<Op> steps = new ArrayList<>();
        if (attempts >= maxAttempts) {
            steps.add(ops.createOp(layout.deadLetterPath(key), claim.item().data(), CreateMode.PERSISTENT));
            steps.add(Op.delete(claim.item().path(), -1));
            if (claim.attemptsExist()) {
                steps.add(Op.delete(attemptsPath, -1));
            }
            return finish(claim, steps, Outcome.DEAD_LETTERED);
        }
        byte[] count = Integer.toString(attempts).getBytes(StandardCharsets.UTF_8);
        steps.add(claim.attemptsExist() ? Op.setData(attemptsPath, count, -1)
                : ops.createOp(attemptsPath, count, CreateMode.PERSISTENT));
        return finish(claim, steps, Outcome.FAILED);
    }

    /** Releases the claim alone, leaving the item as it was; in the background. */
    void release(Claim claim) {
        session.deleteOwned(layout.claimPath(claim.item().key()), claim.sessionId());
    }

    /**
     * Sends the claim-checked multi on the claim's session. Bounded by that session: once it is
     * no longer live (at most a session timeout after the connection went) the claim is lost.
     */
    private Outcome finish(Claim claim, List<Op> steps, Outcome onSuccess) throws InterruptedException {
        long sid = claim.sessionId();
        AsyncOps ops = session.opsFor(sid);
        String claimPath = layout.claimPath(claim.item().key());
        List<Op> multi = new ArrayList<>();
        multi.add(Op.check(claimPath, -1));
        multi.addAll(steps);
        multi.add(Op.delete(claimPath, -1));
        boolean[] sent = {false};
        try {
            return session.retry(Deadline.none(), () -> {
                // each try waits at most a session timeout: by then a silent connection counts as lost
                Deadline attempt = Deadline.none().atMost(session.sessionTimeoutNanos());
                // only this multi deletes our claim while our session lives: gone means applied
                if (sent[0] && !owns(ops, claimPath, sid, attempt)) {
                    return onSuccess;
                }
                sent[0] = true;
                attempt.join(ops.multi(multi));
                return onSuccess;
            });
        } catch (KeeperException.SessionExpiredException e) {
            return Outcome.CLAIM_LOST; // outcome unknown; the claim is gone either way
        } catch (KeeperException e) {
            if (e.code() == KeeperException.Code.NONODE && claimPath.equals(e.getPath())) {
                return Outcome.CLAIM_LOST;
            }
            release(claim);
            throw new ZkRecipeException("finish claimed item " + claim.item().path() + " of queue " + layout.root, e);
        } catch (InterruptedException | RuntimeException e) {
            release(claim);
            throw e;
        }
    }

    /** Whether the claim node exists and belongs to session {@code sid} (asked on that session). */
    private static boolean owns(AsyncOps ops, String claimPath, long sid, Deadline deadline)
            throws KeeperException, InterruptedException {
        Stat stat = deadline.join(ops.exists(claimPath, null));
        if (stat != null && stat.getEphemeralOwner() != sid) {
            throw new KeeperException.NodeExistsException(claimPath); // claimed by another meanwhile
        }
        return stat != null;
    }
}
