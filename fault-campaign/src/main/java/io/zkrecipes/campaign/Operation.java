package io.zkrecipes.campaign;

/**
 * One operation of the merged history: its invocation and outcome. {@code endMono} is -1 and the
 * result empty when the worker never recorded an outcome (it was stopped or died in between).
 */
record Operation(String worker, long id, String workload, String op, String input, Outcome outcome, String result,
        long startWall, long startMono, long endMono) {

    enum Outcome { OK, FAILED, UNKNOWN }

    boolean is(String workloadName, String opName) {
        return workload.equals(workloadName) && op.equals(opName);
    }

    /** The input or result as a number, or {@code fallback} if it is not one. */
    static long number(String text, long fallback) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
