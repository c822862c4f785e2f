package io.zkrecipes.election;

import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;

/** The lifecycle of a {@link LeaderElection}: its campaign starts at most once and closes once. */
final class CampaignSlot {
    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final String path;
    private volatile Campaign campaign;

    CampaignSlot(String path) {
        this.path = path;
    }

    /** @throws IllegalStateException if already started or closed */
    void start(ElectionContext ctx) {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("election at " + path + " was already started"
                    + (lifecycle.get() == Lifecycle.CLOSED ? " and closed" : ""));
        }
        Campaign c = new Campaign(ctx);
        campaign = c;
        c.start();
    }

    /** The campaign's current term; empty before start and after close. */
    OptionalLong epoch() {
        Campaign c = campaign;
        return c == null || lifecycle.get() != Lifecycle.STARTED ? OptionalLong.empty() : c.epoch();
    }

    /** @throws IllegalStateException if not started or closed */
    Campaign requireStarted() {
        Lifecycle now = lifecycle.get();
        if (now != Lifecycle.STARTED) {
            throw new IllegalStateException("election at " + path + " is " + (now == Lifecycle.CLOSED
                    ? "closed" : "not started"));
        }
        return campaign;
    }

    /** Closes the campaign if it was running; idempotent. */
    void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.STARTED) {
            campaign.close(true);
        }
    }

    @Override
    public String toString() {
        return lifecycle.get().toString();
    }
}
