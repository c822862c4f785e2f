package io.zkrecipes.core.internal;

import io.zkrecipes.core.AclProvider;
import io.zkrecipes.core.RetryPolicy;
import java.time.Duration;
import org.apache.zookeeper.client.ZKClientConfig;

/** What a client's builder collected; immutable once built. Not part of the API. */
public record Settings(
        String connectString,
        Duration sessionTimeout,
        Duration connectionTimeout,
        String namespace,
        String digestUser,
        String digestPassword,
        AclProvider aclProvider,
        RetryPolicy retryPolicy,
        ZKClientConfig clientConfig) {
    private static final int DEFAULT_JUTE_MAXBUFFER = 0xfffff;
    private static final int REQUEST_HEADER_ROOM = 1024;

    /** The connect string with the namespace as ZooKeeper's chroot suffix. */
    public String chrootedConnectString() {
        return namespace == null ? connectString : connectString + "/" + namespace;
    }

    public boolean hasCredentials() {
        return digestUser != null;
    }

    String digest() {
        return digestUser + ":" + digestPassword;
    }

    /** The largest node data accepted before anything is sent. */
    public int maxDataBytes() {
        return clientConfig.getInt("jute.maxbuffer", DEFAULT_JUTE_MAXBUFFER) - REQUEST_HEADER_ROOM;
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "connectString=" + connectString + ", namespace=" + namespace + ", sessionTimeout=" + sessionTimeout
                + (hasCredentials() ? ", user=" + digestUser : "");
    }
}
