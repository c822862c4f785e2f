/**
 * Notification and shared state: watchers that follow one node or a subtree, a shared counter
 * and a shared versioned value, and an ephemeral node that a process keeps alive.
 *
 * <p>Every recipe is made by a static factory or a builder, without any request; the ones that
 * hold watches or nodes are {@link AutoCloseable}. Users' listeners run off the client's threads.
 */
package io.zkrecipes.state;
