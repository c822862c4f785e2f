/**
 * Work distribution: a {@link io.zkrecipes.partition.Partitioner} shares a set of partitions among
 * the live members of a group, one owner per partition at a time, each ownership with a fencing
 * token, partitions released before they are acquired when members come and go.
 *
 * <p>Made by a static factory or a builder, without any request; {@link AutoCloseable}. The
 * {@link io.zkrecipes.partition.PartitionListener} runs off the client's threads, in order.
 */
package io.zkrecipes.partition;
