package io.zkrecipes.naming;

/** How {@link ServiceDiscovery#pick()} chooses among the live instances not marked failing. */
public enum PickStrategy {
    /** Uniformly at random on each pick. */
    RANDOM,
    /** Each instance in turn, in instance-id order. */
    ROUND_ROBIN,
    /** The same instance as last time while it is live and not failing; otherwise a random one. */
    STICKY
}
