package io.zkrecipes.core.internal;

import io.zkrecipes.core.ZkPaths;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.data.Stat;

/**
 * A member's place in a {@link WaitingLine}: its node, the session that owns it, and the members
 * ahead of it as last seen. Used by one thread at a time.
 */
public final class Ticket {
    private final String path;
    private final Stat stat;
    private final long sessionId;
    private final Stat parentAtJoin;
    private final List<String> ahead = new ArrayList<>();
    private volatile boolean granted;
    private volatile boolean afterRelease;

    Ticket(String path, Stat stat, long sessionId, Stat parentAtJoin) {
        this.path = path;
        this.stat = stat;
        this.sessionId = sessionId;
        this.parentAtJoin = parentAtJoin;
    }

    /** The member's node path. */
    public String path() {
        return path;
    }

    /** The member's node name. */
    public String name() {
        return ZkPaths.name(path);
    }

    /** The zxid that created the node: strictly greater for every later member of the line. */
    public long czxid() {
        return stat.getCzxid();
    }

    /** The version of the node's data when it was created (member data never changes). */
    public int createdVersion() {
        return stat.getVersion();
    }

    /** The parent's stat as listed right after the node was created (child count and versions then). */
    public Stat parentAtJoin() {
        return parentAtJoin;
    }

    /** The session that owns the node. */
    public long sessionId() {
        return sessionId;
    }

    /** Whether {@link WaitingLine#awaitTurn} has found it the member's turn. */
    public boolean granted() {
        return granted;
    }

    /**
     * Whether the turn came because the last member blocking it released (left with the release
     * marker after its own turn), rather than at the join or after a member ahead vanished (a plain
     * deletion: a waiter that gave up, or a session that ended).
     */
    public boolean turnAfterRelease() {
        return afterRelease;
    }

    void markGranted(boolean byRelease) {
        afterRelease = byRelease;
        granted = true;
    }

    List<String> aheadForUpdate() {
        return ahead;
    }

    void replaceAhead(List<String> fresh) {
        ahead.clear();
        ahead.addAll(fresh);
    }

    @Override
    public String toString() {
        return "Ticket[" + path + ", czxid=" + czxid() + ", ahead=" + ahead.size() + "]";
    }
}
