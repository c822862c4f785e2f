package io.zkrecipes.partition;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The children of one node as a member knows them without asking again: a listing, then the
 * creations and deletions the group's watch reports, each fact kept with the zxid of the change
 * behind it so that the newer one wins whatever order they are applied in. A listing reflects every
 * change of the child list up to its parent's {@code pzxid} and none after it, so an event with a
 * larger zxid is newer than the listing, and one with a smaller or equal zxid is already in it.
 * Thread-safe.
 */
final class KnownChildren {
    /** Name to the zxid of the change that made it present (a listing's pzxid when only listed). */
    private final Map<String, Long> present = new HashMap<>();
    /** Names deleted after the last listing, with the deletion's zxid. */
    private final Map<String, Long> deleted = new HashMap<>();

    /** Takes in a listing of the children and its parent's pzxid; newer events already applied stay. */
    synchronized void listed(Collection<String> names, long pzxid) {
        Set<String> listed = new HashSet<>(names);
        present.entrySet().removeIf(e -> e.getValue() <= pzxid && !listed.contains(e.getKey()));
        for (String name : listed) {
            Long deletion = deleted.get(name);
            if (deletion == null || deletion <= pzxid) {
                present.merge(name, pzxid, Math::max);
            }
        }
        deleted.values().removeIf(zxid -> zxid <= pzxid);
    }

    /**
     * A creation ({@code exists}) or deletion reported at {@code zxid}.
     *
     * @return false if the event carries no zxid (an old server): it cannot be placed, list again
     */
    synchronized boolean changed(String name, boolean exists, long zxid) {
        if (zxid <= 0) {
            return false;
        }
        long known = Math.max(present.getOrDefault(name, 0L), deleted.getOrDefault(name, 0L));
        if (zxid > known) {
            if (exists) {
                present.put(name, zxid);
                deleted.remove(name);
            } else {
                present.remove(name);
                deleted.put(name, zxid);
            }
        }
        return true;
    }

    synchronized boolean contains(String name) {
        return present.containsKey(name);
    }

    /** The present names, sorted. */
    synchronized TreeSet<String> names() {
        return new TreeSet<>(present.keySet());
    }

    synchronized void clear() {
        present.clear();
        deleted.clear();
    }
}
