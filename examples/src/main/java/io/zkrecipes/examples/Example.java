package io.zkrecipes.examples;

import java.io.PrintStream;

/** One example's story, played on a {@link Stage}; the stage records what it checked. */
@FunctionalInterface
interface Example {

    void play(Stage stage) throws Exception;

    /**
     * Runs {@code example} as {@code name} against the ensemble {@code args} name (or an embedded
     * one), printing to {@code out}.
     *
     * @return whether every checked fact held and nothing failed
     * @throws IllegalArgumentException if {@code args} are malformed
     */
    static boolean run(String name, Example example, String[] args, PrintStream out) {
        Args parsed = Args.parse(args);
        try (Ensemble ensemble = Ensemble.open(parsed.connect(), out)) {
            return playOn(name, example, ensemble, out);
        }
    }

    /** Plays {@code example} on a fresh stage of {@code ensemble}; never throws for a failed run. */
    static boolean playOn(String name, Example example, Ensemble ensemble, PrintStream out) {
        out.println();
        out.println("== " + name);
        boolean ok;
        try (Stage stage = new Stage(ensemble, name, out)) {
            try {
                example.play(stage);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stage.check(false, name + " was interrupted");
            } catch (Exception e) {
                stage.check(false, name + " failed: " + e);
                e.printStackTrace(out);
            }
            ok = stage.passed();
        }
        out.println("== " + name + (ok ? ": every check held" : ": SOME CHECKS FAILED"));
        return ok;
    }

    /** Exits the JVM with 0 if {@code ok}, else 1 (background threads of killed clients may linger). */
    static void exit(boolean ok) {
        System.out.flush();
        System.exit(ok ? 0 : 1);
    }
}
