package io.zkrecipes.barrier;

import io.zkrecipes.core.internal.Session;
import io.zkrecipes.barrier.PhaseLoop.Step;
import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.internal.AsyncOps.NodeData;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher;

/**
 * One {@link DoubleBarrier#leave} call, ZooKeeper's double-barrier leave: members are ordered by
 * id; the lowest waits for the highest and deletes itself when alone; every other member deletes
 * itself and waits for the lowest (pipelined: one round trip). When the watched node goes the
 * member lists the round again. All have left when no member node remains. Used by one thread.
 */
final class RoundExit implements PhaseLoop.Phase {
    private final ZkClient client;
    private final String roundPath;
    private final String memberPath;
    private final String memberId;
    private final Wakeup wakeup;
    private final Watcher watcher;
    private long ownSession;
    private String watched;

    /** @param ownSession the session that owns our member node, 0 if we have none */
    RoundExit(ZkClient client, String roundPath, String memberId, long ownSession, Wakeup wakeup) {
        this.client = client;
        this.roundPath = roundPath;
        this.memberPath = Rounds.memberPath(roundPath, memberId);
        this.memberId = memberId;
        this.ownSession = ownSession;
        this.wakeup = wakeup;
        this.watcher = event -> wakeup.bump();
    }

    /**
     * @return {@code true} once no member node is left; {@code false} at the deadline, ours removed
     * @throws IllegalStateException if the barrier is closed meanwhile (our node is then removed)
     */
    boolean leave(long deadline) throws InterruptedException {
        return PhaseLoop.run(this, client, wakeup, roundPath, deadline);
    }

    @Override
    public String describe() {
        return "leave double barrier " + roundPath;
    }

    @Override
    public Step attempt(long deadline) throws KeeperException, InterruptedException, TimeoutException {
        if (ownSession != client.sessionId()) {
            ownSession = 0; // our node went with the expired session: we have left
        }
        List<String> ids = members(deadline);
        boolean mine = ownSession != 0 && ids.contains(memberId);
        ownSession = mine ? ownSession : 0;
        if (ids.isEmpty()) {
            return Step.DONE;
        }
        if (mine && ids.size() == 1) {
            deleteOwn(Session.of(client).ops().delete(memberPath, -1), deadline);
            return Step.DONE;
        }
        boolean lowest = mine && ids.get(0).equals(memberId);
        watched = Rounds.memberPath(roundPath, lowest ? ids.get(ids.size() - 1) : ids.get(0));
        CompletableFuture<Void> delete = mine && !lowest ? Session.of(client).ops().delete(memberPath, -1) : null;
        // pipelined with our delete: the watch on the member we wait for costs no extra round trip
        CompletableFuture<NodeData> watch = Session.of(client).ops().getData(watched, watcher);
        if (delete != null) {
            deleteOwn(delete, deadline);
        }
        try {
            AsyncOps.join(watch, deadline);
            return Step.WAIT;
        } catch (KeeperException e) {
            if (e.code() == Code.NONODE) {
                return Step.RETRY; // gone already (getData leaves no watch behind): list again
            }
            throw e;
        }
    }

    private List<String> members(long deadline) throws KeeperException, InterruptedException, TimeoutException {
        try {
            return Rounds.members(AsyncOps.join(Session.of(client).ops().getChildren(roundPath, null), deadline).names());
        } catch (KeeperException e) {
            if (e.code() == Code.NONODE) {
                return List.of(); // the round was cleaned up: nobody is left in it
            }
            throw e;
        }
    }

    private void deleteOwn(CompletableFuture<Void> delete, long deadline)
            throws KeeperException, InterruptedException, TimeoutException {
        try {
            AsyncOps.join(delete, deadline);
        } catch (KeeperException e) {
            if (e.code() != Code.NONODE) {
                throw e;
            }
        }
        ownSession = 0;
    }

    /** At the deadline: removes the watch and our node (within a short grace, else in the background). */
    @Override
    public boolean giveUp() throws InterruptedException {
        forgetWatch();
        if (ownSession != 0 && ownSession == client.sessionId()) {
            try {
                deleteOwn(Session.of(client).ops().delete(memberPath, -1), System.nanoTime() + Replies.GRACE_NANOS);
            } catch (KeeperException e) {
                if (!Replies.isConnectionProblem(e.code())) {
                    throw new ZkRecipeException("leave double barrier " + roundPath, e);
                }
            } catch (TimeoutException e) {
                // unknown outcome: finished in the background below
            }
        }
        abandon();
        return false;
    }

    @Override
    public void abandon() {
        forgetWatch();
        if (ownSession != 0 && !client.isClosed()) {
            BackgroundRemoval.start(client, memberPath, ownSession, () -> Session.of(client).ops().delete(memberPath, -1));
        }
        ownSession = 0;
    }

    private void forgetWatch() {
        String path = watched;
        watched = null;
        if (path != null && !client.isClosed()) {
            Session.of(client).ops().removeWatches(path, watcher, Watcher.WatcherType.Data).exceptionally(e -> null);
        }
    }
}
