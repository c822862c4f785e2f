package io.zkrecipes.campaign;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Injects faults one at a time on a schedule drawn from a seed, and heals each one when its time is
 * up (also when interrupted): servers killed with SIGKILL and started again, a worker's connection
 * cut and restored, replies to a worker dropped for a while, a worker paused with SIGSTOP and
 * resumed with SIGCONT. Every fault is recorded with its start and end.
 */
final class Nemesis {
    /** Quiet time at the start, so that every worker is connected before the first fault. */
    private static final long WARM_UP_MILLIS = 3_000;

    private final Ensemble ensemble;
    private final List<WorkerProxy> proxies;
    private final List<Process> workers;
    private final Processes processes;
    private final FencedStore store;
    private final PrintStream log;
    private final List<FaultWindow> windows = new ArrayList<>();

    Nemesis(Ensemble ensemble, List<WorkerProxy> proxies, List<Process> workers, Processes processes,
            FencedStore store, PrintStream log) {
        this.ensemble = ensemble;
        this.proxies = proxies;
        this.workers = workers;
        this.processes = processes;
        this.store = store;
        this.log = log;
    }

    /**
     * The faults of a run: the same seed gives the same kinds, targets and times. Faults follow one
     * another with a gap of one to three and a half seconds and all end {@code quietMillis} before
     * {@code durationMillis}, so that the run ends on a healthy system.
     */
    static List<Fault> schedule(long seed, long durationMillis, long quietMillis, int workerCount,
            long sessionTimeoutMillis, boolean lockHolderKnown) {
        Random random = new Random(seed);
        List<Fault> faults = new ArrayList<>();
        long at = WARM_UP_MILLIS;
        long end = durationMillis - quietMillis;
        while (true) {
            Fault.Kind kind = pick(random, lockHolderKnown);
            long length = length(kind, random, sessionTimeoutMillis);
            if (at + length > end) {
                return faults;
            }
            boolean servers = kind.onServers();
            int target = random.nextInt(servers ? Ensemble.SIZE : workerCount);
            int second = (target + 1 + random.nextInt(Ensemble.SIZE - 1)) % Ensemble.SIZE;
            faults.add(new Fault(kind, target, kind == Fault.Kind.KILL_TWO_SERVERS ? second : -1, at, length));
            at += length + 1_000 + random.nextInt(2_500);
        }
    }

    private static Fault.Kind pick(Random random, boolean lockHolderKnown) {
        int draw = random.nextInt(13);
        if (draw < 3) {
            return Fault.Kind.KILL_SERVER;
        }
        if (draw < 4) {
            return Fault.Kind.KILL_TWO_SERVERS;
        }
        if (draw < 6) {
            return Fault.Kind.CUT_SHORT;
        }
        if (draw < 8) {
            return Fault.Kind.CUT_LONG;
        }
        if (draw < 10) {
            return Fault.Kind.DROP_REPLIES;
        }
        return draw < 11 || !lockHolderKnown ? Fault.Kind.PAUSE : Fault.Kind.PAUSE_HOLDER;
    }

    private static long length(Fault.Kind kind, Random random, long session) {
        switch (kind) {
            case KILL_SERVER:
                return 2_000 + random.nextInt(4_000);
            case KILL_TWO_SERVERS:
                return 3_000 + random.nextInt(4_000);
            case CUT_SHORT:
            case DROP_REPLIES:
                return session / 4 + random.nextInt((int) (session / 2));
            default: // cut-long, pause, pause-holder
                return session * 3 / 2 + random.nextInt((int) session);
        }
    }

    /** Runs {@code faults}, timed from {@code startMono}; returns early, healed, when interrupted. */
    void run(List<Fault> faults, long startMono) throws InterruptedException {
        for (Fault fault : faults) {
            long wait = startMono + fault.atMillis() * 1_000_000 - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            inject(fault);
        }
    }

    synchronized List<FaultWindow> windows() {
        return List.copyOf(windows);
    }

    private void inject(Fault fault) throws InterruptedException {
        int worker = fault.kind() == Fault.Kind.PAUSE_HOLDER ? holder(fault.target()) : fault.target();
        String target = describe(fault, worker);
        long startWall = System.currentTimeMillis();
        long startMono = System.nanoTime();
        log.printf("%tT fault %s on %s for %d ms%n", startWall, fault.kind().label(), target, fault.lengthMillis());
        InterruptedException interrupted = null;
        try {
            start(fault, worker);
            Thread.sleep(fault.lengthMillis());
        } catch (InterruptedException e) {
            interrupted = e;
        } finally {
            heal(fault, worker);
        }
        long endWall = System.currentTimeMillis();
        synchronized (this) {
            windows.add(new FaultWindow(fault.kind(), target, fault.kind().onServers() ? -1 : worker, startWall,
                    startMono, endWall, System.nanoTime()));
        }
        log.printf("%tT healed %s on %s%n", endWall, fault.kind().label(), target);
        if (interrupted != null) {
            throw interrupted;
        }
    }

    private void start(Fault fault, int worker) {
        switch (fault.kind()) {
            case KILL_SERVER:
                ensemble.kill(fault.target());
                break;
            case KILL_TWO_SERVERS:
                ensemble.kill(fault.target());
                ensemble.kill(fault.secondTarget());
                break;
            case CUT_SHORT:
            case CUT_LONG:
                proxies.get(worker).cut();
                break;
            case DROP_REPLIES:
                proxies.get(worker).dropReplies(true);
                break;
            default:
                processes.pause(workers.get(worker));
        }
    }

    /** Undoes a fault; runs to the end even if the thread is interrupted. */
    private void heal(Fault fault, int worker) {
        boolean interrupted = Thread.interrupted();
        try {
            switch (fault.kind()) {
                case KILL_SERVER:
                case KILL_TWO_SERVERS:
                    for (int server = 0; server < Ensemble.SIZE; server++) {
                        ensemble.restart(server);
                    }
                    break;
                case CUT_SHORT:
                case CUT_LONG:
                    proxies.get(worker).restore();
                    break;
                case DROP_REPLIES:
                    proxies.get(worker).dropReplies(false);
                    break;
                default:
                    processes.resume(workers.get(worker));
            }
        } catch (IOException e) {
            log.println("could not heal " + fault + ": " + e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The worker that the store saw last on the lock's counter, else the scheduled one. */
    private int holder(int fallback) {
        String name = store.lastAccessor(LockWorkload.KEY);
        int index = name == null ? -1 : Campaign.workerIndex(name);
        return index >= 0 && index < workers.size() ? index : fallback;
    }

    private static String describe(Fault fault, int worker) {
        switch (fault.kind()) {
            case KILL_SERVER:
                return "server " + (fault.target() + 1);
            case KILL_TWO_SERVERS:
                return "servers " + (fault.target() + 1) + " and " + (fault.secondTarget() + 1);
            default:
                return Campaign.workerName(worker);
        }
    }
}
