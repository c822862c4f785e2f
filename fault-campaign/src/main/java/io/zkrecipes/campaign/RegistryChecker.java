package io.zkrecipes.campaign;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Once the faults are over every consumer's view converges to the registered instances. The
 * instances registered at the end are the union of what each provider recorded holding after the
 * run settled; each consumer's last view before the workers were told to stop (its discovery's
 * {@code instances()}) must be exactly that set, and so must the set its listener's added and
 * removed events add up to. A view never holds an id no provider ever registered.
 */
final class RegistryChecker implements Checker {
    @Override
    public String workload() {
        return RegistryWorkload.NAME;
    }

    @Override
    public Verdict check(Evidence evidence) {
        Set<String> registered = new HashSet<>();
        Set<String> providers = new TreeSet<>();
        Map<String, Set<String>> finals = new HashMap<>();
        Map<String, Consumer> consumers = new LinkedHashMap<>();
        List<String> violations = new ArrayList<>();
        List<Mark> marks = new ArrayList<>();
        int views = 0;
        for (Operation o : evidence.operations()) {
            if (!o.workload().equals(RegistryWorkload.NAME) || o.startMono() >= evidence.stopMono()) {
                continue; // after the stop began, views follow the workers' shutdown
            }
            switch (o.op()) {
                case "register" -> {
                    registered.add(o.input());
                    providers.add(o.worker());
                }
                case "final" -> {
                    if (o.outcome() == Operation.Outcome.OK) {
                        finals.put(o.worker(), ids(o.result()));
                    }
                }
                case "discover" -> consumers.put(o.worker(), new Consumer());
                case "view" -> {
                    Consumer c = consumers.get(o.worker());
                    if (c != null && o.outcome() == Operation.Outcome.OK) {
                        views++;
                        c.see(o);
                        phantoms(o, registered, violations, marks);
                    }
                }
                default -> {
                }
            }
        }
        Set<String> expected = new TreeSet<>();
        for (String provider : providers) {
            Set<String> held = finals.get(provider);
            if (held == null) {
                violations.add(provider + " recorded no final registrations: convergence cannot be checked");
            } else {
                expected.addAll(held);
            }
        }
        consumers.forEach((worker, c) -> c.check(worker, expected, violations, marks));
        return new Verdict("registry", "consumers' views converged to the final registrations",
                views, violations, marks);
    }

    private static void phantoms(Operation view, Set<String> registered, List<String> violations, List<Mark> marks) {
        for (String id : ids(view.result())) {
            if (!registered.contains(id)) {
                violations.add(String.format("%s's view holds %s, which no provider registered", view.worker(), id));
                marks.add(Mark.at(view));
            }
        }
    }

    static Set<String> ids(String text) {
        Set<String> ids = new TreeSet<>(Arrays.asList(text.split(",")));
        ids.remove("");
        return ids;
    }

    /** One consumer's discovery as its views show it: the last {@code instances()}, and its events added up. */
    private static final class Consumer {
        private Set<String> view = new TreeSet<>();
        private final Set<String> fromEvents = new TreeSet<>();
        private Operation last;

        void see(Operation o) {
            view = ids(o.result());
            String id = o.input().substring(1);
            if (o.input().startsWith("+")) {
                fromEvents.add(id);
            } else if (o.input().startsWith("-")) {
                fromEvents.remove(id);
            }
            last = o;
        }

        void check(String worker, Set<String> expected, List<String> violations, List<Mark> marks) {
            if (!view.equals(expected)) {
                violations.add(String.format("%s's view ended at %s, not at the registered %s%s", worker, view,
                        expected, difference(view, expected)));
                mark(marks);
            }
            if (!fromEvents.equals(expected)) {
                violations.add(String.format("%s's listener events add up to %s, not to the registered %s%s", worker,
                        fromEvents, expected, difference(fromEvents, expected)));
                mark(marks);
            }
        }

        private void mark(List<Mark> marks) {
            if (last != null) {
                marks.add(Mark.at(last));
            }
        }
    }

    private static String difference(Set<String> seen, Set<String> expected) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(seen);
        Set<String> extra = new TreeSet<>(seen);
        extra.removeAll(expected);
        return (missing.isEmpty() ? "" : "; missing " + missing) + (extra.isEmpty() ? "" : "; extra " + extra);
    }
}
