package io.zkrecipes.campaign;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The store never accepted a write under a stale token: replaying its decisions in order, every
 * accepted write carries a token at least as high as every token the store had seen on that key.
 */
final class FencingChecker implements Checker {
    @Override
    public String workload() {
        return LockWorkload.NAME;
    }

    @Override
    public Verdict check(Evidence evidence) {
        Map<String, Long> highest = new HashMap<>();
        Map<String, String> highestBy = new HashMap<>();
        List<String> violations = new ArrayList<>();
        List<Mark> marks = new ArrayList<>();
        int writes = 0;
        for (StoreEvent e : evidence.store()) {
            long high = highest.getOrDefault(e.key(), Long.MIN_VALUE);
            if (e.isWrite() && e.accepted()) {
                writes++;
                if (e.token() < high) {
                    violations.add(String.format("%s accepted a write of %s=%d by %s under token %d after token %d of %s",
                            "the store", e.key(), e.value(), e.worker(), e.token(), high, highestBy.get(e.key())));
                    marks.add(new Mark(e.worker(), e.monoNanos()));
                }
            }
            if (e.token() > high) {
                highest.put(e.key(), e.token());
                highestBy.put(e.key(), e.worker());
            }
        }
        return new Verdict("fencing", "the store accepted no write under a stale token", writes, violations, marks);
    }
}
