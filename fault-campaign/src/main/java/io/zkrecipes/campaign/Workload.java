package io.zkrecipes.campaign;

import io.zkrecipes.core.ZkClient;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * What a worker does with the library for the length of a run, recording each invocation and its
 * outcome in the worker's history. A workload has a name (the value of {@code --workloads}), runs
 * on a thread of its own in every worker until {@code running} turns false or the thread is
 * interrupted, and is checked afterwards by the {@link Checker}s that read its operations. Once the
 * faults are over the run settles ({@code settling} turns true): a workload whose checkers look
 * for convergence stops changing shared state then, and keeps observing it. A new workload is a
 * class here, a case in {@link #named}, and its checkers.
 */
interface Workload {
    /** Everything a workload may use: the worker's own client, the store, its history. */
    record Context(String worker, ZkClient client, StoreClient store, HistoryWriter history, Random random,
            BooleanSupplier running, BooleanSupplier settling) {

        /** Sleeps between {@code minMillis} and {@code maxMillis}, the pace of a workload's steps. */
        void pause(int minMillis, int maxMillis) throws InterruptedException {
            Thread.sleep(minMillis + random.nextInt(Math.max(1, maxMillis - minMillis)));
        }

        boolean isRunning() {
            return running.getAsBoolean();
        }

        boolean isSettling() {
            return settling.getAsBoolean();
        }
    }

    List<String> NAMES = List.of(LockWorkload.NAME, ElectionWorkload.NAME, QueueWorkload.NAME, ConfigWorkload.NAME,
            RegistryWorkload.NAME);

    void run(Context context) throws InterruptedException;

    /**
     * Runs in the campaign's process once every worker has stopped, on a client of its own, so that
     * nothing the checkers need is left unrecorded (the queue drains the items left in it). Most
     * workloads have nothing to do.
     */
    default void afterRun(ZkClient client, HistoryWriter history) throws InterruptedException {
    }

    static Workload named(String name) {
        switch (name) {
            case LockWorkload.NAME:
                return new LockWorkload();
            case ElectionWorkload.NAME:
                return new ElectionWorkload();
            case QueueWorkload.NAME:
                return new QueueWorkload();
            case ConfigWorkload.NAME:
                return new ConfigWorkload();
            case RegistryWorkload.NAME:
                return new RegistryWorkload();
            default:
                throw new IllegalArgumentException("workload must be one of " + NAMES + ", was '" + name + "'");
        }
    }
}
