package io.zkrecipes.barrier;

import io.zkrecipes.core.ZkPaths;
import io.zkrecipes.core.internal.Deadline;
import io.zkrecipes.core.internal.Session;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;

/**
 * The layout of a {@link DoubleBarrier} path, one node per round (generation), and the requests
 * that act on a round as a whole.
 *
 * <pre>
 * path/round-0000000007          CONTAINER node of round 7
 * path/round-0000000007/open     present while the round admits members; every join and
 *                                withdrawal bumps its version
 * path/round-0000000007/ready    created when the round closes; data: the admitted member ids
 * path/round-0000000007/m-&lt;id&gt;   EPHEMERAL node of one member
 * </pre>
 *
 * <p>The highest round is always the open one: the member that closes round n deletes its
 * {@code open} node, creates its {@code ready} node and creates round n+1 with its {@code open}
 * node, all in one {@code multi}. Rounds are never created otherwise (but for round 1 on an
 * empty path), so no round is ever created twice.
 *
 * <p>A join is {@code multi(setData(open), create(member))}: it fails once the round has closed
 * and bumps {@code open}'s version, so a closer's {@code delete(open, version)} succeeds only if
 * nobody joined or withdrew since its listing. A withdrawal is {@code multi(delete(member),
 * setData(open))}: it fails if the round closed first, in which case the member was counted.
 */
final class Rounds {
    static final String OPEN = "open";
    static final String READY = "ready";
    private static final String ROUND_PREFIX = "round-";
    private static final String MEMBER_PREFIX = "m-";
    private static final byte[] EMPTY = new byte[0];

    private Rounds() {
    }

    static String roundPath(String base, long round) {
        return ZkPaths.join(base, String.format("%s%010d", ROUND_PREFIX, round));
    }

    static String memberPath(String roundPath, String memberId) {
        return ZkPaths.join(roundPath, MEMBER_PREFIX + memberId);
    }

    /** The member ids among a round's children, sorted: the order the leave algorithm uses. */
    static List<String> members(List<String> children) {
        List<String> ids = new ArrayList<>();
        for (String name : children) {
            if (name.startsWith(MEMBER_PREFIX)) {
                ids.add(name.substring(MEMBER_PREFIX.length()));
            }
        }
        ids.sort(null);
        return ids;
    }

    /** The highest round number among the base path's children, 0 if none. */
    static long highest(List<String> children) {
        long highest = 0;
        for (String name : children) {
            if (name.startsWith(ROUND_PREFIX)) {
                try {
                    highest = Math.max(highest, Long.parseLong(name.substring(ROUND_PREFIX.length())));
                } catch (NumberFormatException notOurs) {
                    // a node someone else put here: not a round
                }
            }
        }
        return highest;
    }

    /** Whether {@code ready}'s data names {@code memberId} (empty data: the list did not fit; assume so). */
    static boolean admits(byte[] readyData, String memberId) {
        return readyData == null || readyData.length == 0
                || Arrays.asList(new String(readyData, StandardCharsets.UTF_8).split("\n")).contains(memberId);
    }

    /** Joins a round if it is still open. */
    static List<Op> joinOps(Session session, String roundPath, String memberId) {
        return List.of(Op.setData(ZkPaths.join(roundPath, OPEN), EMPTY, -1),
                session.ops().createOp(memberPath(roundPath, memberId), EMPTY, CreateMode.EPHEMERAL));
    }

    /** Leaves a round still open; delete first, so a failure on our node names it and one on open means "closed". */
    static List<Op> withdrawOps(String roundPath, String memberId) {
        return List.of(Op.delete(memberPath(roundPath, memberId), -1),
                Op.setData(ZkPaths.join(roundPath, OPEN), EMPTY, -1));
    }

    /** Closes a round if nobody joined or withdrew since {@code open} had {@code openVersion}; opens the next. */
    static List<Op> closeOps(Session session, String base, long round, int openVersion, List<String> ids,
            boolean openNext) {
        String roundPath = roundPath(base, round);
        byte[] admitted = String.join("\n", ids).getBytes(StandardCharsets.UTF_8);
        List<Op> ops = new ArrayList<>(List.of(Op.delete(ZkPaths.join(roundPath, OPEN), openVersion),
                session.ops().createOp(ZkPaths.join(roundPath, READY),
                        admitted.length <= session.maxDataBytes() ? admitted : EMPTY, CreateMode.PERSISTENT)));
        if (openNext) {
            ops.addAll(openRoundOps(session, base, round + 1));
        }
        return ops;
    }

    /**
     * Joins round {@code round} and closes it in one step, for the member that read {@code ids}
     * (without itself) at {@code openVersion} and so knows it is the last one missing. Our node
     * goes first, so that a failure on it names it.
     */
    static List<Op> joinAndCloseOps(Session session, String base, long round, int openVersion, List<String> ids,
            String memberId) {
        List<String> admitted = new ArrayList<>(ids);
        admitted.add(memberId);
        admitted.sort(null);
        List<Op> ops = new ArrayList<>();
        ops.add(session.ops().createOp(memberPath(roundPath(base, round), memberId), EMPTY, CreateMode.EPHEMERAL));
        ops.addAll(closeOps(session, base, round, openVersion, admitted, true));
        return ops;
    }

    /** Whether round {@code round} has closed with {@code memberId} admitted. */
    static boolean readyNames(Session session, String base, long round, String memberId, Deadline deadline)
            throws KeeperException, InterruptedException {
        String readyPath = ZkPaths.join(roundPath(base, round), READY);
        try {
            return admits(deadline.join(session.ops().getData(readyPath, null)).data(), memberId);
        } catch (KeeperException.NoNodeException open) {
            return false;
        }
    }

    /**
     * The number of the open round: the highest one under {@code base}. On an empty path, creates
     * the path (as CONTAINER nodes) and round 1.
     */
    static long current(Session session, String base, Deadline deadline) throws KeeperException, InterruptedException {
        while (true) {
            List<String> children;
            try {
                children = deadline.join(session.ops().getChildren(base, null)).names();
            } catch (KeeperException.NoNodeException e) {
                deadline.join(session.ops().ensureContainers(base));
                children = List.of();
            }
            long highest = highest(children);
            if (highest > 0) {
                return highest;
            }
            try {
                deadline.join(session.ops().multi(openRoundOps(session, base, 1)));
                return 1;
            } catch (KeeperException e) {
                if (e.code() != Code.NODEEXISTS) {
                    throw e;
                }
                // another member created round 1 first: list again, it may even be closed by now
            }
        }
    }

    /**
     * Removes round {@code round}'s {@code ready} flag and node, without waiting; a member still
     * leaving it keeps it (NOTEMPTY) and the server reaps the container once it is empty.
     */
    static void removeOld(Session session, String base, long round) {
        if (round < 1) {
            return;
        }
        String path = roundPath(base, round);
        // pipelined and not awaited: clean-up costs the closing member no latency
        session.ops().delete(ZkPaths.join(path, READY), -1).exceptionally(e -> null);
        session.ops().delete(path, -1).exceptionally(e -> null);
    }

    private static List<Op> openRoundOps(Session session, String base, long round) {
        String path = roundPath(base, round);
        return List.of(session.ops().createOp(path, EMPTY, CreateMode.CONTAINER),
                session.ops().createOp(ZkPaths.join(path, OPEN), EMPTY, CreateMode.PERSISTENT));
    }
}
