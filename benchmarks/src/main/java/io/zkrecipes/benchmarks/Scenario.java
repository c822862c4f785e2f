package io.zkrecipes.benchmarks;

/**
 * One named measurement. A long scenario runs only when named exactly, or with {@code --long}.
 *
 * @param name what to type on the command line; groups share the prefix before the first '-'
 */
record Scenario(String name, String description, boolean isLong, Body body) {

    /** The measuring code: measures ours and Curator's side by side and reports the figures. */
    @FunctionalInterface
    interface Body {
        void run(Env env, Report report) throws Exception;
    }

    static Scenario of(String name, String description, Body body) {
        return new Scenario(name, description, false, body);
    }

    static Scenario longOne(String name, String description, Body body) {
        return new Scenario(name, description, true, body);
    }

    /** Whether {@code selector} names this scenario or its group ("lock" selects "lock-contended"). */
    boolean selectedBy(String selector) {
        return name.equals(selector) || name.startsWith(selector + "-");
    }
}
