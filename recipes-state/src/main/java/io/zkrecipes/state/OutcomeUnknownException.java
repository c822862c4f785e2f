package io.zkrecipes.state;

import io.zkrecipes.core.ZkRecipeException;
import org.apache.zookeeper.KeeperException;

/**
 * A write was sent, its reply was lost, and whether the server applied it can no longer be told:
 * the change may or may not be in effect. Read the current value to decide what to do; never
 * repeat the change blindly, or it may count twice. {@link #code()} is the failure that lost the
 * reply (usually {@code CONNECTIONLOSS}).
 */
public final class OutcomeUnknownException extends ZkRecipeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was being done and why its outcome cannot be known
     * @param cause   the failure that lost the reply
     */
    public OutcomeUnknownException(String message, KeeperException cause) {
        super(message, cause);
    }
}
