package io.zkrecipes.partition;

import io.zkrecipes.core.ZkPaths;
import java.util.List;
import java.util.TreeSet;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.Event.EventType;

/**
 * What one member knows of its group without asking again: the live members, which partitions have
 * an owner node, and the partition set, kept up to date by one persistent recursive watch on the
 * group node. It says when it must be listed again: before the first listing of a session, after a
 * reconnection (changes made while disconnected raise no event), and when an event cannot be placed.
 * Thread-safe; events are applied on ZooKeeper's event thread, listings on the member's run.
 */
final class GroupView {
    private final String group;
    private final String membersPath;
    private final String ownersPath;
    private final KnownChildren members = new KnownChildren();
    private final KnownChildren owners = new KnownChildren();
    // guarded by this
    private long listedSession;
    private boolean partitionsDirty = true;
    private List<String> partitions = List.of();
    private long partitionsMzxid = -1;

    GroupView(String group) {
        this.group = group;
        this.membersPath = ZkPaths.join(group, "members");
        this.ownersPath = ZkPaths.join(group, "owners");
    }

    String membersPath() {
        return membersPath;
    }

    String ownersPath() {
        return ownersPath;
    }

    /** Whether the view holds a listing made in session {@code sessionId} since its last reconnection. */
    synchronized boolean isListedIn(long sessionId) {
        return listedSession == sessionId;
    }

    /** The next run lists everything again. */
    synchronized void markStale() {
        listedSession = 0;
        partitionsDirty = true;
    }

    /** A listing in session {@code sessionId} begins; events from here on are placed against it by zxid. */
    synchronized void listingIn(long sessionId) {
        listedSession = sessionId;
    }

    void membersListed(List<String> names, long pzxid) {
        members.listed(names, pzxid);
    }

    void ownersListed(List<String> names, long pzxid) {
        owners.listed(names, pzxid);
    }

    /** Takes the partition set read at {@code mzxid}, unless a newer one is known. */
    synchronized void partitionsRead(List<String> names, long mzxid) {
        if (mzxid > partitionsMzxid) {
            partitions = names;
            partitionsMzxid = mzxid;
        }
    }

    /** Whether the partition set must be read again; clears the mark. */
    synchronized boolean takePartitionsDirty() {
        boolean dirty = partitionsDirty;
        partitionsDirty = false;
        return dirty;
    }

    synchronized List<String> partitions() {
        return partitions;
    }

    TreeSet<String> members() {
        return members.names();
    }

    boolean hasMember(String member) {
        return members.contains(member);
    }

    boolean hasOwner(String partition) {
        return owners.contains(partition);
    }

    /**
     * Applies one event of the group's watch.
     *
     * @return whether the member should look again at what it owns
     */
    boolean apply(WatchedEvent event) {
        String path = event.getPath();
        EventType type = event.getType();
        if (path == null || type == EventType.None || type == EventType.NodeChildrenChanged) {
            return false;
        }
        if (path.equals(group)) {
            if (type == EventType.NodeDataChanged || type == EventType.NodeCreated) {
                markPartitionsDirty();
            } else {
                markStale(); // the group or its watch went
            }
            return true;
        }
        boolean exists = type == EventType.NodeCreated;
        if (!exists && type != EventType.NodeDeleted) {
            return false; // data of members' and owners' nodes never matters
        }
        KnownChildren children = childOf(path, membersPath) ? members : childOf(path, ownersPath) ? owners : null;
        if (children != null && !children.changed(ZkPaths.name(path), exists, event.getZxid())) {
            markStale();
        }
        return children != null;
    }

    synchronized void markPartitionsDirty() {
        partitionsDirty = true;
    }

    private static boolean childOf(String path, String parent) {
        return path.startsWith(parent + "/") && path.indexOf('/', parent.length() + 1) < 0;
    }
}
