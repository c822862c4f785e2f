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
 * queue/markers/&lt;instance&gt;              ephemeral owner node of a queue instance, one per session
 * queue/markers/&lt;instance&gt;-&lt;slot&gt;       outcome records for puts and takes whose reply was lost
 * </pre>
 * The queue node and its directories are created by an instance's first call, never when it is built.
 *
 * <h2>Rules</h2>
 * <ul>
 * <li><b>Put</b>: one multi checking the instance's owner node, checking that the put sent just
 * before it (if still in flight) was applied (its marker at the version that put writes), creating
 * the item(s) in the producer's tail bucket and writing a fresh id into the put's own marker slot.
 * Up to {@code maxPutsInFlight} puts are on the wire; the chained check keeps the applied ones a
 * prefix of those sent, so one producer's order holds whatever fails. After a failure nothing more
 * is sent until every reply is in; then each put whose reply was lost is resolved from its marker,
 * even if a consumer already took the item or the session expired (no duplicates, no losses), and
 * the unapplied ones are sent again in order. Marker slots are made sixteen at a time in one multi
 * and deleted in one multi at close. A put whose sequence reaches the capacity marks the bucket
 * full; the producer's next put goes to the next bucket (created on NONODE; concurrent producers
 * race benignly with NODEEXISTS).</li>
 * <li><b>Take</b>: consumers cache the sorted names of the current bucket and read the data of the
 * next few in one read-only multi; a take is then one multi (owner check, claim check, delete
 * at the version read, marker write), shared by up to 16 takes of the instance's threads. NONODE: someone else took it; the consumer skips a random
 * number (up to 256) of the next cached names, which it revisits after 256 more, and for its next 64
 * takes enters fresh listings at a random point, so that consumers spread over the head instead of
 * each paying a failed multi per item. No re-list. {@code processNext} claims the same way.</li>
 * <li><b>Buckets</b>: a consumer leaves bucket k only after deleting it, which ZooKeeper refuses
 * while k holds any item, so an item written late into k is never skipped. A producer whose bucket
 * was deleted moves to the newest bucket and never re-creates one below a later bucket. A single
 * producer fills k before k+1, so its items come out in order. The tail bucket is a container:
 * the server removes it once the queue is drained.</li>
 * <li><b>Waiting</b>: at the end of a pass the last bucket and the queue node are listed with one
 * watcher per queue instance; until an event arrives or the session changes, the queue is known to
 * be empty and looking sends nothing, also while disconnected. The instance's threads wait on one
 * core {@code Wait}; a wake goes to one thread, which passes it on when more items are cached. The
 * cache is locked only while looking, so no call waits for another thread's wait.</li>
 * <li><b>Claims</b>: {@code processNext} claims with one multi (item still there, create the
 * ephemeral claim) and finishes with one multi that checks the claim and is sent only on the
 * claiming session, so a consumer whose session ended can never complete the item. A claim whose
 * outcome is unknown (deadline, interrupt) goes to core's cleanup path. An item found claimed by
 * another consumer is passed over, and its claim watched once, until the claim goes.</li>
 * <li><b>Markers of gone instances</b>: another instance deletes them once their owner node was
 * absent when first seen and still is a session timeout later, in one multi that creates and
 * deletes the owner path (so it applies only while the owner is absent); instances learn of a gone
 * owner through a child watch on the markers directory. Every put and take multi checks the owner
 * node, so a marker is written only while its owner exists. An instance that returns after that
 * grace period with an outcome still unknown finds its marker gone and reports the outcome as
 * unknown ({@link io.zkrecipes.core.ZkRecipeException}) rather than retrying blindly.</li>
 * </ul>
 *
 * <h2>Limits</h2>
 * Claimed items passed over by other consumers are revisited once their claim goes, so FIFO order
 * is relaxed for items whose processing failed or whose claimer died. With several consumers, the
 * spreading above lets one consumer see a producer's items out of order (each item is still taken
 * once); one consumer alone takes them in order. A take whose outcome was
 * unknown when its instance was closed is dropped: its item may be lost. Markers named in the
 * format of earlier versions (a UUID) are not collected.
 */
package io.zkrecipes.queue;
