package io.zkrecipes.state;

/**
 * A {@link TreeWatcher}'s subtree holds more nodes than the watcher's limit
 * ({@link TreeWatcher.Builder#maxNodes}). Thrown before the listing that would pass the limit is
 * sent, so that no reply can outgrow the client's packet limit ({@code jute.maxbuffer}); the
 * watcher has then stopped following the subtree.
 */
public final class TreeTooLargeException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final String root;
    private final int limit;
    private final long count;

    TreeTooLargeException(String root, int limit, long count) {
        super("subtree " + root + " has at least " + count + " nodes, over the watcher's limit of " + limit
                + " (maxNodes): raise maxNodes, lower maxDepth or watch a smaller subtree; a listing of more"
                + " children than fit in jute.maxbuffer cannot be read at all");
        this.root = root;
        this.limit = limit;
        this.count = count;
    }

    /** The watched subtree's root. */
    public String root() {
        return root;
    }

    /** The watcher's limit. */
    public int limit() {
        return limit;
    }

    /** How many nodes the subtree has at least. */
    public long count() {
        return count;
    }
}
