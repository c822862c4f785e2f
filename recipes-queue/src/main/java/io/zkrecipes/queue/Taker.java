package io.zkrecipes.queue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;

/**
 * Takes one item, exactly once. A take is one multi: create and delete the item's claim node
 * (fails if a processing consumer holds a claim on it), delete the item at the version read, and
 * write the item's key into a marker held by this take. Whoever's multi succeeds owns the item.
 * After a lost reply the marker tells exactly whether the take was applied (it is persistent, so
 * this holds across a session expiry too); a take left unresolved (retry deadline, interrupt) is
 * kept and resolved by the next call, which then returns its item. Guarded by the consumer lock.
 */
final class Taker {
    /** What happened to one attempt at a candidate. */
    enum Result { TAKEN, GONE, CLAIMED }

    private record Unresolved(Cursor.Candidate item, String marker) {
    }

    private final ZkClient client;
    private final QueueLayout layout;
    private final Markers markers;
    private Unresolved unresolved;

    Taker(ZkClient client, QueueLayout layout, Markers markers) {
        this.client = client;
        this.layout = layout;
        this.markers = markers;
    }

    /** Tries to take {@code c}; blocks until the outcome is known or the retry policy gives up. */
    Result take(Cursor.Candidate c) throws InterruptedException {
        String marker = markers.acquire();
        boolean[] unknown = {false};
        try {
            Result result = Session.of(client).retryThroughExpiry(Deadline.none(), () -> {
                if (unknown[0] && markers.holds(marker, c.key())) {
                    return Result.TAKEN;
                }
                return attempt(c, marker, unknown);
            });
            markers.release(marker);
            return result;
        } catch (KeeperException e) {
            return giveUp(c, marker, unknown[0], e);
        } catch (InterruptedException e) {
            keepUnresolved(c, marker, unknown[0]);
            throw e;
        }
    }

    private Result giveUp(Cursor.Candidate c, String marker, boolean unknown, KeeperException e) {
        keepUnresolved(c, marker, unknown);
        throw new ZkRecipeException("take " + c.path() + " from queue " + layout.root, e);
    }

    private void keepUnresolved(Cursor.Candidate c, String marker, boolean unknown) {
        if (unknown) {
            unresolved = new Unresolved(c, marker); // the marker stays held until the outcome is known
        } else {
            markers.release(marker);
        }
    }

    /** The item of an earlier take whose outcome was unknown, if it was applied; else null. */
    Cursor.Candidate resolve() throws InterruptedException {
        Unresolved u = unresolved;
        if (u == null) {
            return null;
        }
        try {
            boolean taken = client.retry(() -> markers.holds(u.marker(), u.item().key()));
            unresolved = null;
            markers.release(u.marker());
            return taken ? u.item() : null;
        } catch (KeeperException e) {
            throw new ZkRecipeException("resolve the take of " + u.item().path(), e);
        }
    }

    private Result attempt(Cursor.Candidate c, String marker, boolean[] unknown)
            throws KeeperException, InterruptedException {
        String claim = layout.claimPath(c.key());
        List<Op> ops = List.of(Session.of(client).ops().createOp(claim, new byte[0], CreateMode.EPHEMERAL),
                Op.delete(claim, -1), Op.delete(c.path(), c.version()), Markers.write(marker, c.key()));
        try {
            AsyncOps.join(Session.of(client).ops().multi(ops));
            return Result.TAKEN;
        } catch (KeeperException e) {
            if (QueueReader.transientFailure(e.code())) {
                unknown[0] = true;
                throw e;
            }
            if (e.code() == Code.NODEEXISTS) {
                return Result.CLAIMED;
            }
            if (e.code() == Code.BADVERSION || (e.code() == Code.NONODE && c.path().equals(e.getPath()))) {
                return Result.GONE;
            }
            if (e.code() != Code.NONODE) {
                throw e;
            }
            if (marker.equals(e.getPath())) {
                markers.create(marker);
            } else {
                Markers.createDirectories(client, layout);
            }
            return attempt(c, marker, unknown);
        }
    }
}
