package io.zkrecipes.campaign;

import io.zkrecipes.config.ConfigChange;
import io.zkrecipes.config.ConfigStore;
import io.zkrecipes.config.ConfigSubscription;
import io.zkrecipes.config.ConfigUpdate;
import io.zkrecipes.core.ZkRecipeException;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Every worker publishes increasing values (1, 2, 3, ...) under a key of its own (its name) in one
 * {@link ConfigStore}, and subscribes to the whole configuration through a second store on the same
 * client (a store with a subscription answers reads from its cache, so the publisher's store has
 * none and reads ZooKeeper). Once the run settles the worker stops publishing and reads its key
 * back from ZooKeeper: the final value every subscriber must end at.
 *
 * <p>Operations: {@code subscribe} (ok once the first snapshot is read; failed: the error),
 * {@code publish} (input: {@code key=value}; ok: the entry's new version; unknown when the call
 * failed), {@code seen} (one per update the subscriber received; input {@code initial} for the
 * first; result: the changed keys as {@code key=value}, {@code key=-} when removed), {@code final}
 * (input: the key; ok: its value in ZooKeeper, or {@code -} if absent).
 */
final class ConfigWorkload implements Workload {
    static final String NAME = "config";
    static final String ROOT = "/campaign/config";
    static final String ABSENT = "-";

    /** The last value this worker published or tried to; survives a restart of {@link #run}. */
    private long published;

    @Override
    public void run(Context ctx) throws InterruptedException {
        try (ConfigStore publisher = ConfigStore.create(ctx.client(), ROOT);
                ConfigStore observer = ConfigStore.create(ctx.client(), ROOT);
                ConfigSubscription subscription = subscribe(ctx, observer)) {
            while (ctx.isRunning() && !ctx.isSettling()) {
                publish(ctx, publisher);
                ctx.pause(100, 300);
            }
            if (ctx.isRunning()) {
                recordFinal(ctx, publisher);
            }
            while (ctx.isRunning()) {
                Thread.sleep(200); // the subscription keeps observing until the worker stops
            }
        }
    }

    /** Subscribes, trying again until the first snapshot could be read. */
    private static ConfigSubscription subscribe(Context ctx, ConfigStore observer) throws InterruptedException {
        while (true) {
            long id = ctx.history().invoke(NAME, "subscribe", "");
            try {
                ConfigSubscription subscription = observer.subscribe(update -> seen(ctx, update));
                ctx.history().ok(id, NAME, "subscribe", "");
                return subscription;
            } catch (ZkRecipeException e) {
                ctx.history().fail(id, NAME, "subscribe", e.getMessage());
                ctx.pause(200, 500);
            }
        }
    }

    private static void seen(Context ctx, ConfigUpdate update) {
        TreeMap<String, String> changes = new TreeMap<>();
        for (ConfigChange c : update.changes()) {
            changes.put(c.key(), c.current() == null ? ABSENT : c.newValue());
        }
        StringJoiner text = new StringJoiner(" ");
        changes.forEach((key, value) -> text.add(key + "=" + value));
        long id = ctx.history().invoke(NAME, "seen", update.initial() ? "initial" : "");
        ctx.history().ok(id, NAME, "seen", text.toString());
    }

    private void publish(Context ctx, ConfigStore publisher) throws InterruptedException {
        long value = ++published;
        long id = ctx.history().invoke(NAME, "publish", ctx.worker() + "=" + value);
        try {
            ctx.history().ok(id, NAME, "publish", publisher.put(ctx.worker(), Long.toString(value)));
        } catch (ZkRecipeException e) {
            ctx.history().unknown(id, NAME, "publish", e.getMessage());
            ctx.pause(100, 300);
        } catch (InterruptedException e) {
            ctx.history().unknown(id, NAME, "publish", "interrupted");
            throw e;
        }
    }

    /** Reads this worker's key from ZooKeeper, trying again while the worker runs. */
    private static void recordFinal(Context ctx, ConfigStore publisher) throws InterruptedException {
        while (ctx.isRunning()) {
            long id = ctx.history().invoke(NAME, "final", ctx.worker());
            try {
                Optional<String> value = publisher.get(ctx.worker());
                ctx.history().ok(id, NAME, "final", value.orElse(ABSENT));
                return;
            } catch (ZkRecipeException e) {
                ctx.history().fail(id, NAME, "final", e.getMessage());
                ctx.pause(200, 500);
            }
        }
    }
}
