/**
 * A distributed FIFO queue on ZooKeeper: {@link io.zkrecipes.queue.DistributedQueue}, built with
 * {@link io.zkrecipes.queue.DistributedQueue#builder} and a {@link io.zkrecipes.queue.Serializer}.
 *
 * <h2>Layout</h2>
 * <pre>
 * queue/b-0000000000 ... b-NNNNNNNNNN    buckets (CONTAINER nodes), each with up to bucketCapacity items
 * queue/b-.../i&lt;16 hex&gt;_&lt;sequence&gt;      items, persistent sequential, data = serialized item
 * queue/claims/&lt;bucket&gt;.&lt;item&gt;         ephemeral claim of an item being processed
 * queue/attempts/&lt;bucket&gt;.&lt;item&gt;       failed processing attempts so far
 * queue/dead-letter/&lt;bucket&gt;.&lt;item&gt;    items that failed maxAttempts times
 * queue/markers/&lt;instance&gt;-&lt;slot&gt;      outcome records for puts and takes whose reply was lost
 * </pre>
 *
 * <h2>Rules</h2>
 * <ul>
 * <li><b>Put</b>: one multi creating the item(s) in the producer's tail bucket and writing a fresh
 * id into a marker node. After a lost reply the marker says whether the multi was applied, even if
 * a consumer already took the item or the session expired: no duplicates, no losses. A put whose
 * sequence reaches the capacity marks the bucket full; the producer's next put goes to the next
 * bucket (created on NONODE; concurrent producers race benignly with NODEEXISTS).</li>
 * <li><b>Take</b>: consumers cache the sorted names of the current bucket and read the data of the
 * next few in one pipelined round trip; a take is then one multi (claim check, delete at the read
 * version, marker write). NONODE: someone else took it, move to the next cached name, no re-list.</li>
 * <li><b>Buckets</b>: a consumer leaves bucket k only after deleting it, which ZooKeeper refuses
 * while k holds any item, so an item written late into k is never skipped. A producer whose bucket
 * was deleted moves to the newest bucket and never re-creates one below a later bucket. A single
 * producer fills k before k+1, so its items come out in order. The tail bucket is a container:
 * the server removes it once the queue is drained.</li>
 * <li><b>Waiting</b>: at the end of a pass the last bucket and the queue node are listed with one
 * watcher per queue instance; until an event or a connection state change arrives, the queue is
 * known to be empty and polls send nothing. Threads of an instance consume one at a time, so a put
 * wakes one thread per instance.</li>
 * <li><b>Claims</b>: {@code processNext} claims with one multi (item still there, create the
 * ephemeral claim) and finishes with one multi that checks the claim and is sent on the claiming
 * session's own handle, so a consumer whose session ended can never complete the item.</li>
 * </ul>
 *
 * <h2>Limits</h2>
 * Markers of an instance are deleted on close; a process that crashes leaves its few marker nodes
 * behind. Claimed items passed over by other consumers are revisited at their next pass, so FIFO
 * order is relaxed for items whose processing failed or whose claimer died.
 */
package io.zkrecipes.queue;
