package io.zkrecipes.core;

import java.util.List;
import java.util.Objects;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;

/**
 * Chooses the ACL of every node a recipe creates, parents included. Paths are relative to the
 * client's namespace. Presets cover the usual setups; {@link #withOverride} changes a subtree.
 */
@FunctionalInterface
public interface AclProvider {

    /** The ACL for a node about to be created at {@code path}. */
    List<ACL> aclFor(String path);

    /** Anyone may do anything: the default only for clients without credentials. */
    static AclProvider worldOpen() {
        return path -> ZooDefs.Ids.OPEN_ACL_UNSAFE;
    }

    /** Only the identities the creating client authenticated with may touch the node. */
    static AclProvider creatorAll() {
        return path -> ZooDefs.Ids.CREATOR_ALL_ACL;
    }

    /** The creator may do anything; everyone else may read (configuration, registries). */
    static AclProvider creatorAllWorldRead() {
        List<ACL> acl = List.of(ZooDefs.Ids.CREATOR_ALL_ACL.get(0), ZooDefs.Ids.READ_ACL_UNSAFE.get(0));
        return path -> acl;
    }

    /** This provider, except that {@code prefix} and everything below it get {@code acl}. */
    default AclProvider withOverride(String prefix, List<ACL> acl) {
        ZkPaths.validate(prefix, "prefix");
        List<ACL> copy = List.copyOf(Objects.requireNonNull(acl, "acl"));
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("acl must not be empty");
        }
        AclProvider base = this;
        return path -> ZkPaths.isAtOrBelow(path, prefix) ? copy : base.aclFor(path);
    }
}
