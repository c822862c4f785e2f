package io.zkrecipes.cli;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkCall;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Read-only access to the nodes a command explains, through the client's raw handle and its retry
 * loop (whose deadline is the command's timeout). Writes nothing and sets no watch. A missing node
 * is an empty answer; every other failure becomes a {@link Failure} with its exit code.
 */
final class Nodes {
    /** A node as read: its path, its data and its stat. */
    record Node(String path, byte[] data, Stat stat) {
        /** The session that owns the node if it is ephemeral, else 0. */
        long owner() {
            return stat.getEphemeralOwner();
        }

        Instant created() {
            return Instant.ofEpochMilli(stat.getCtime());
        }

        Instant modified() {
            return Instant.ofEpochMilli(stat.getMtime());
        }
    }

    private final ZkClient client;

    Nodes(ZkClient client) {
        this.client = client;
    }

    /** The node at {@code path}, or empty if there is none. */
    Optional<Node> find(String path) {
        return call(path, () -> {
            Stat stat = new Stat();
            byte[] data = client.unwrap().getData(path, false, stat);
            return new Node(path, data == null ? new byte[0] : data, stat);
        });
    }

    /** The node at {@code path}; {@link Failure#noNode} if there is none. */
    Node get(String path) {
        return find(path).orElseThrow(() -> Failure.noNode(path));
    }

    /** The names of the children of {@code path} (unordered), or empty if the node is gone. */
    Optional<List<String>> children(String path) {
        return call(path, () -> client.unwrap().getChildren(path, false));
    }

    /** The children of {@code path}, or none if the node is gone. */
    List<String> childrenOrNone(String path) {
        return children(path).orElse(List.of());
    }

    private <T> Optional<T> call(String path, ZkCall<T> read) {
        try {
            return Optional.of(client.retry(read));
        } catch (KeeperException.NoNodeException gone) {
            return Optional.empty();
        } catch (KeeperException e) {
            throw failure(path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.unreachable("interrupted while reading " + path);
        }
    }

    private Failure failure(String path, KeeperException e) {
        return switch (e.code()) {
            case CONNECTIONLOSS, OPERATIONTIMEOUT, SESSIONEXPIRED, SESSIONMOVED ->
                    Failure.unreachable("lost the connection to " + client.connectString() + " while reading " + path
                            + " (" + e.code() + ")");
            case NOAUTH -> Failure.refused("no permission to read " + path + " (give credentials with --auth)");
            default -> Failure.refused("reading " + path + " failed: " + e.code());
        };
    }
}
