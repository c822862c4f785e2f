package io.zkrecipes.core;

import org.apache.zookeeper.KeeperException;

/**
 * The server refused a request for lack of permission ({@code NOAUTH}): names the path and the
 * permission the request needed. A {@link KeeperException.NoAuthException}, so code that catches
 * that or checks {@link #code()} keeps working. Never retried.
 */
public final class PermissionDeniedException extends KeeperException.NoAuthException {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final String permission;

    /**
     * @param path       the node the request was refused on
     * @param permission the permission it needed, like {@code "WRITE"}
     */
    public PermissionDeniedException(String path, String permission) {
        this.path = path;
        this.permission = permission;
    }

    @Override
    public String getPath() {
        return path;
    }

    /** The permission the request needed, like {@code "CREATE on the parent of /locks/a"} or {@code "WRITE"}. */
    public String permission() {
        return permission;
    }

    @Override
    public String getMessage() {
        return "not authorized for " + path + ": the ACL does not grant this client " + permission;
    }
}
