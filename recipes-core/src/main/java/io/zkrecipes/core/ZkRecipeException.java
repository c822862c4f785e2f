package io.zkrecipes.core;

import org.apache.zookeeper.KeeperException;

/**
 * A recipe operation failed on the ZooKeeper side: the ensemble stayed unreachable past the retry
 * deadline, the session expired mid-operation, or the server refused it (for instance for lack of
 * permission). The message names the operation and the path; {@link #code()} tells which.
 */
public class ZkRecipeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final KeeperException.Code code;

    /**
     * @param message what was being done, e.g. {@code "acquire lock /locks/a"}; the cause's
     *                description is appended
     * @param cause   ZooKeeper's failure; its code becomes {@link #code()}
     */
    public ZkRecipeException(String message, KeeperException cause) {
        super(message + ": " + describe(cause), cause);
        this.code = cause.code();
    }

    /** The ZooKeeper error code of the failure. */
    public KeeperException.Code code() {
        return code;
    }

    private static String describe(KeeperException e) {
        String path = e.getPath() == null ? "" : " at " + e.getPath();
        switch (e.code()) {
            case NOAUTH:
                return e instanceof PermissionDeniedException denied ? denied.getMessage()
                        : "not authorized" + path + " (the node's ACL does not grant this client the permission"
                                + " this operation needs)";
            case AUTHFAILED:
                return "authentication failed (check the client's credentials)";
            case CONNECTIONLOSS:
            case OPERATIONTIMEOUT:
                return "the ensemble could not be reached before the retry deadline" + path;
            case SESSIONEXPIRED:
                return "the session expired during the operation" + path;
            default:
                return e.code().name().toLowerCase() + path;
        }
    }
}
