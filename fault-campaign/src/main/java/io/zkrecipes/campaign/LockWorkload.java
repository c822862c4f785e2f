package io.zkrecipes.campaign;

import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.lock.ExclusiveLock;
import io.zkrecipes.lock.Lease;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Workers take turns on one exclusive lock; in the critical section each reads the store's counter
 * under its fencing token, works a little, and writes the counter plus one under the same token.
 * A pause between the read and the write is the case fencing exists for: by the time the paused
 * holder writes, its session may have expired and another holder may have moved on.
 *
 * <p>Operations: {@code acquire} (ok: the token), {@code incr} (input: the token; ok: the value
 * written; failed: the store refused the token).
 */
final class LockWorkload implements Workload {
    static final String NAME = "lock";
    static final String KEY = "counter";
    static final String PATH = "/campaign/lock";
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Override
    public void run(Context ctx) throws InterruptedException {
        try (ExclusiveLock lock = ExclusiveLock.create(ctx.client(), PATH)) {
            while (ctx.running().getAsBoolean()) {
                Optional<Lease> lease = acquire(ctx, lock);
                if (lease.isPresent()) {
                    try (Lease held = lease.get()) {
                        increment(ctx, held.fencingToken());
                    }
                }
                ctx.pause(5, 40);
            }
        }
    }

    private static Optional<Lease> acquire(Context ctx, ExclusiveLock lock) throws InterruptedException {
        long id = ctx.history().invoke(NAME, "acquire", "");
        try {
            Optional<Lease> lease = lock.acquire(WAIT);
            if (lease.isPresent()) {
                ctx.history().ok(id, NAME, "acquire", lease.get().fencingToken());
            } else {
                ctx.history().fail(id, NAME, "acquire", "timeout");
            }
            return lease;
        } catch (ZkRecipeException e) {
            ctx.history().fail(id, NAME, "acquire", e.getMessage());
            ctx.pause(100, 300);
            return Optional.empty();
        } catch (InterruptedException e) {
            ctx.history().fail(id, NAME, "acquire", "interrupted");
            throw e;
        }
    }

    private static void increment(Context ctx, long token) throws InterruptedException {
        long id = ctx.history().invoke(NAME, "incr", token);
        try {
            OptionalLong value = ctx.store().read(KEY, token);
            if (value.isEmpty()) {
                ctx.history().fail(id, NAME, "incr", "stale token at read");
                return;
            }
            work(ctx, id);
            long next = value.getAsLong() + 1;
            if (ctx.store().write(KEY, token, next)) {
                ctx.history().ok(id, NAME, "incr", next);
            } else {
                ctx.history().fail(id, NAME, "incr", "stale token at write");
            }
        } catch (IOException e) {
            ctx.history().unknown(id, NAME, "incr", e.getMessage());
        }
    }

    /** The critical section's own work; interrupted before the write, nothing was written. */
    private static void work(Context ctx, long id) throws InterruptedException {
        try {
            ctx.pause(20, 80);
        } catch (InterruptedException e) {
            ctx.history().fail(id, NAME, "incr", "interrupted before the write");
            throw e;
        }
    }
}
