package io.zkrecipes.core;

import java.util.Objects;
import org.apache.zookeeper.common.PathUtils;

/** Path checks and joins, with messages that name the argument and the rule broken. */
public final class ZkPaths {
    private ZkPaths() {
    }

    /**
     * Checks an absolute node path ({@code /a/b}) and returns it.
     *
     * @throws NullPointerException     if {@code path} is null
     * @throws IllegalArgumentException naming {@code argument} if the path is not a valid node path
     */
    public static String validate(String path, String argument) {
        Objects.requireNonNull(path, argument);
        try {
            PathUtils.validatePath(path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(argument + " '" + path + "' is not a valid ZooKeeper path: "
                    + e.getMessage(), e);
        }
        return path;
    }

    /** Checks that {@code name} can be one path segment: not empty, no '/', not '.' or '..'. */
    public static String validateSegment(String name, String argument) {
        Objects.requireNonNull(name, argument);
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(argument + " '" + name
                    + "' must be a non-empty path segment without '/' and not '.' or '..'");
        }
        validate("/" + name, argument);
        return name;
    }

    /** {@code parent + "/" + child}, with no doubled slash under the root. */
    public static String join(String parent, String child) {
        return parent.equals("/") ? "/" + child : parent + "/" + child;
    }

    /** The parent of a path other than the root. */
    public static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    /** The last segment of a path. */
    public static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Whether {@code path} is {@code prefix} or lies below it. */
    public static boolean isAtOrBelow(String path, String prefix) {
        return prefix.equals("/") || path.equals(prefix) || path.startsWith(prefix + "/");
    }
}
