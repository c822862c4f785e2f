package io.zkrecipes.core;

import java.time.Duration;
import org.apache.zookeeper.client.ZKClientConfig;

/** What a {@link ZkClient.Builder} collected; immutable once built. */
record Settings(
        String connectString,
        Duration sessionTimeout,
        Duration connectionTimeout,
        String namespace,
        String digestUser,
        String digestPassword,
        AclProvider aclProvider,
        RetryPolicy retryPolicy,
        ZKClientConfig clientConfig) {

    /** The connect string with the namespace as ZooKeeper's chroot suffix. */
    String chrootedConnectString() {
        return namespace == null ? connectString : connectString + "/" + namespace;
    }

    boolean hasCredentials() {
        return digestUser != null;
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "connectString=" + connectString + ", namespace=" + namespace + ", sessionTimeout=" + sessionTimeout
                + (hasCredentials() ? ", user=" + digestUser : "");
    }
}
