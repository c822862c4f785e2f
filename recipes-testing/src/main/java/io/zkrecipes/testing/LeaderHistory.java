package io.zkrecipes.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Records what participants of an election believe — "I lead in epoch e" or "I do not lead" — and
 * checks the recorded history: at most one leader per epoch, and epochs that strictly increase from
 * one leader to the next (no participant still claims an older epoch once a newer one was granted).
 *
 * <p>Record when leadership is gained or lost, or sample {@code hasLeadership()} periodically; repeated
 * samples of the same belief are fine. Thread-safe: samples are ordered by one internal lock.
 */
public final class LeaderHistory {
    private final List<Sample> samples = new ArrayList<>();

    /** One recorded belief; {@code epoch} is meaningless when {@code leading} is false. */
    public record Sample(long seq, String participant, long epoch, boolean leading) {
        @Override
        public String toString() {
            return "#" + seq + " " + participant + (leading ? " leads in epoch " + epoch : " does not lead");
        }
    }

    /** Records that {@code participant} believes it leads ({@code leading}) in {@code epoch}. */
    public synchronized void record(String participant, long epoch, boolean leading) {
        samples.add(new Sample(samples.size() + 1, participant, epoch, leading));
    }

    /** {@code participant} believes it leads in {@code epoch}. */
    public void leading(String participant, long epoch) {
        record(participant, epoch, true);
    }

    /** {@code participant} believes it does not lead (it stepped down, resigned or lost its session). */
    public void notLeading(String participant) {
        record(participant, -1, false);
    }

    /** Every sample so far, in order. */
    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** The leader of each epoch (its first claimant), in the order the epochs were first claimed. */
    public Map<Long, String> leaders() {
        Map<Long, String> leaders = new LinkedHashMap<>();
        for (Sample sample : samples()) {
            if (sample.leading()) {
                leaders.putIfAbsent(sample.epoch(), sample.participant());
            }
        }
        return leaders;
    }

    /** Asserts {@link #assertOneLeaderPerEpoch()} and {@link #assertEpochsIncrease()}. */
    public void assertSafe() {
        assertOneLeaderPerEpoch();
        assertEpochsIncrease();
    }

    /** Asserts that no two participants ever claimed the same epoch. */
    public void assertOneLeaderPerEpoch() {
        Map<Long, Set<String>> claimants = new LinkedHashMap<>();
        for (Sample sample : samples()) {
            if (sample.leading()) {
                claimants.computeIfAbsent(sample.epoch(), e -> new TreeSet<>()).add(sample.participant());
            }
        }
        List<String> violations = new ArrayList<>();
        claimants.forEach((epoch, who) -> {
            if (who.size() > 1) {
                violations.add("epoch " + epoch + " claimed by " + who);
            }
        });
        HoldHistory.fail(violations, "more than one leader in an epoch");
    }

    /** Asserts that no claim names an epoch older than one claimed before it. */
    public void assertEpochsIncrease() {
        List<String> violations = new ArrayList<>();
        Sample newest = null;
        for (Sample sample : samples()) {
            if (!sample.leading()) {
                continue;
            }
            if (newest != null && sample.epoch() < newest.epoch()) {
                violations.add(sample + " after " + newest);
            } else {
                newest = sample;
            }
        }
        HoldHistory.fail(violations, "epochs do not increase");
    }

    /**
     * Asserts that no participant claimed to lead while another one's last sample still said it led.
     * Stronger than {@link #assertSafe()}: it holds only if every leader records stepping down
     * before another one can win, e.g. when leaders resign or close cleanly.
     */
    public void assertNoConcurrentLeaders() {
        Map<String, Sample> current = new HashMap<>();
        List<String> violations = new ArrayList<>();
        for (Sample sample : samples()) {
            if (!sample.leading()) {
                current.remove(sample.participant());
                continue;
            }
            current.values().stream().filter(other -> !other.participant().equals(sample.participant()))
                    .forEach(other -> violations.add(sample + " while " + other));
            current.put(sample.participant(), sample);
        }
        HoldHistory.fail(violations, "two leaders at once");
    }
}
