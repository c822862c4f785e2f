/**
 * Naming recipes: cluster-wide unique names ({@link io.zkrecipes.naming.UniqueNameGenerator}) and
 * 64-bit ids ({@link io.zkrecipes.naming.IdGenerator}), group membership
 * ({@link io.zkrecipes.naming.GroupMember}, {@link io.zkrecipes.naming.GroupView}), and a service
 * registry that heals itself ({@link io.zkrecipes.naming.ServiceRegistry},
 * {@link io.zkrecipes.naming.ServiceDiscovery}).
 */
package io.zkrecipes.naming;
