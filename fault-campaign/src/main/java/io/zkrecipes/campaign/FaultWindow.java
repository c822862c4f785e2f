package io.zkrecipes.campaign;

/** A fault as it was injected: its kind, what it hit (as text), and when it started and ended. */
record FaultWindow(Fault.Kind kind, String target, int workerLane, long startWall, long startMono, long endWall,
        long endMono) {

    String line() {
        return kind.label() + "\t" + target + "\t" + startWall + "\t" + startMono + "\t" + endWall + "\t" + endMono;
    }
}
