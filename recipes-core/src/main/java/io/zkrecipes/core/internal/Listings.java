package io.zkrecipes.core.internal;

import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Tells a listing that failed because its reply was too large from a plain connection loss. A
 * reply over the client's packet limit ({@code jute.maxbuffer}) makes the client drop the
 * connection; retrying the same listing would only loop through reconnects until the deadline.
 */
public final class Listings {
    /** Bytes a name costs in a listing reply besides its characters. */
    private static final int PER_NAME_OVERHEAD = 4;
    /** Fewer children than this always fit, whatever their names (ZooKeeper caps names near 1 KB only in theory). */
    private static final int SMALL = 1_000;

    private Listings() {
    }

    /**
     * After a listing of {@code parent} failed with a connection problem: throws a clear
     * {@link IllegalStateException} if the listing cannot fit in one reply, and returns if the
     * failure was an ordinary connection loss to retry. Names like {@code sampleName} give a
     * lower bound on the reply; when that bound is not conclusive for a large parent, one more
     * listing decides: failing again while a small request to the same parent succeeds, it is
     * the size.
     */
    public static void failIfTooLarge(Session client, String parent, String sampleName, Deadline deadline)
            throws KeeperException, InterruptedException {
        Stat stat = childCount(client, parent, deadline);
        if (stat == null || stat.getNumChildren() < SMALL) {
            return;
        }
        long atLeast = (long) stat.getNumChildren() * (sampleName.length() + PER_NAME_OVERHEAD);
        if (atLeast > client.maxDataBytes()) {
            throw tooLarge(parent, stat, client);
        }
        try {
            deadline.join(client.ops().getChildren(parent, null));
        } catch (KeeperException e) {
            if (RetryLoop.isRetryable(e.code()) && childCount(client, parent, deadline) != null) {
                throw tooLarge(parent, stat, client);
            }
        }
    }

    private static Stat childCount(Session client, String parent, Deadline deadline)
            throws KeeperException, InterruptedException {
        return client.retry(deadline, () -> deadline.join(client.ops().exists(parent, null)));
    }

    private static IllegalStateException tooLarge(String parent, Stat stat, Session client) {
        return new IllegalStateException("cannot list " + parent + ": its " + stat.getNumChildren()
                + " children do not fit in one reply under the client's packet limit of about "
                + client.maxDataBytes() + " bytes (jute.maxbuffer); use fewer members or raise jute.maxbuffer"
                + " on the client (ZKClientConfig) and the servers");
    }
}
