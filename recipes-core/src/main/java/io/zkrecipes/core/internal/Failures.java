package io.zkrecipes.core.internal;

import io.zkrecipes.core.PermissionDeniedException;
import java.util.List;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs.OpCode;

/** Turns ZooKeeper's error codes into exceptions that name the path and, for NOAUTH, the permission. */
final class Failures {
    private Failures() {
    }

    /** The exception for a failed request on {@code path} that needed {@code permission}. */
    static KeeperException of(Code code, String path, String permission) {
        return code == Code.NOAUTH ? new PermissionDeniedException(path, permission) : KeeperException.create(code, path);
    }

    /** The exception for a failed multi: the first operation that failed, with its code and path. */
    static KeeperException ofMulti(int rc, List<Op> ops, List<OpResult> results) {
        if (results != null) {
            for (int i = 0; i < results.size() && i < ops.size(); i++) {
                if (results.get(i) instanceof OpResult.ErrorResult err
                        && err.getErr() != Code.OK.intValue()
                        && err.getErr() != Code.RUNTIMEINCONSISTENCY.intValue()) {
                    return of(Code.get(err.getErr()), ops.get(i).getPath(), permissionFor(ops.get(i)));
                }
            }
        }
        return KeeperException.create(Code.get(rc));
    }

    private static String permissionFor(Op op) {
        switch (op.getType()) {
            case OpCode.create:
            case OpCode.create2:
            case OpCode.createContainer:
                return "CREATE on its parent";
            case OpCode.delete:
                return "DELETE on its parent";
            case OpCode.setData:
                return "WRITE";
            default:
                return "READ";
        }
    }
}
