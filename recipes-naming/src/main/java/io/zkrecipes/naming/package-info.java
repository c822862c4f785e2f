/**
 * Naming recipes: cluster-wide unique names ({@link io.zkrecipes.naming.UniqueNameGenerator}) and
 * 64-bit ids ({@link io.zkrecipes.naming.IdGenerator}), and a service registry that heals itself
 * ({@link io.zkrecipes.naming.ServiceRegistry}, {@link io.zkrecipes.naming.ServiceDiscovery}),
 * which also serves for group membership: members register, and a discovery lists and follows them.
 *
 * <p>Every recipe is made by a static factory or a builder, without any request; the ones that
 * own nodes or watches are {@link AutoCloseable}. Users' listeners run off the client's threads.
 */
package io.zkrecipes.naming;
