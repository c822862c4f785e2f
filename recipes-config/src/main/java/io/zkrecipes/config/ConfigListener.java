package io.zkrecipes.config;

/**
 * Receives a {@link ConfigStore}'s configuration: first the current snapshot, then every change.
 *
 * <p>Calls to one listener never overlap and come in order, on the executor chosen at
 * {@link ConfigStore#subscribe(ConfigListener, java.util.concurrent.Executor)} (by default a
 * callback lane of the client's own, which a slow listener delays for nobody else), never on
 * ZooKeeper's threads. For each key, values only move
 * forward (by {@link ConfigEntry#mzxid()}); when changes come faster than the listener takes
 * them, intermediate values are coalesced, but the latest value is always delivered. An
 * exception thrown here is logged and does not stop later updates.
 */
@FunctionalInterface
public interface ConfigListener {
    /** Called with each update, the first one {@linkplain ConfigUpdate#initial() initial}. */
    void onUpdate(ConfigUpdate update);
}
