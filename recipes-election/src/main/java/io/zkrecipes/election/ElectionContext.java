package io.zkrecipes.election;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.internal.BlockRule;
import io.zkrecipes.core.internal.SerialExecutor;
import io.zkrecipes.core.internal.Session;
import io.zkrecipes.core.internal.WaitingLine;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link Campaign} needs from its election: settings, the listeners and their serial
 * executor, and the worker thread of the leader's task.
 */
final class ElectionContext {
    private static final Logger log = LoggerFactory.getLogger(ElectionContext.class);

    private final LeaderElection election;
    private final ZkClient client;
    private final WaitingLine line;
    private final String id;
    private final byte[] content;
    private final boolean stepDownOnSuspended;
    private final boolean autoRequeue;
    private final LeaderTask task;
    private final List<LeadershipListener> listeners;
    private final ExecutorService ownNotifier;
    private final Executor notifier;
    private final ExecutorService worker;
    private volatile Thread workerThread;

    ElectionContext(LeaderElection election, LeaderElection.Builder b) {
        this.election = election;
        this.client = b.client;
        this.line = new WaitingLine(Session.of(b.client), b.path, BlockRule.exclusive());
        this.id = b.id;
        this.content = NodeContent.encode(b.id, b.data);
        this.stepDownOnSuspended = b.stepDownOnSuspended;
        this.autoRequeue = b.autoRequeue;
        this.task = b.task;
        this.listeners = List.copyOf(b.listeners);
        this.ownNotifier = b.listenerExecutor == null && !listeners.isEmpty()
                ? Executors.newSingleThreadExecutor(r -> daemon(r, "zk-election-events-" + id)) : null;
        Executor target = b.listenerExecutor != null ? b.listenerExecutor : ownNotifier;
        this.notifier = target == null ? null : new SerialExecutor(target);
        this.worker = task == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = daemon(r, "zk-election-task-" + id);
            workerThread = t;
            return t;
        });
    }

    ZkClient client() {
        return client;
    }

    WaitingLine line() {
        return line;
    }

    String id() {
        return id;
    }

    byte[] content() {
        return content;
    }

    boolean stepDownOnSuspended() {
        return stepDownOnSuspended;
    }

    boolean autoRequeue() {
        return autoRequeue;
    }

    LeaderTask task() {
        return task;
    }

    TaskRun startTask(TaskRun run) {
        worker.execute(run);
        return run;
    }

    /** Whether the calling thread is one the campaign may wait for (its own or the task's). */
    boolean isOwnThread(Thread campaignThread) {
        Thread me = Thread.currentThread();
        return me == campaignThread || me == workerThread;
    }

    void notifyGained(long epoch) {
        notifyAll(l -> l.leadershipGained(election, epoch));
    }

    void notifyLost() {
        notifyAll(l -> l.leadershipLost(election));
    }

    /** Lets queued callbacks and a running task finish, then ends the owned threads. */
    void shutdown() {
        if (worker != null) {
            worker.shutdown();
        }
        if (ownNotifier != null) {
            ownNotifier.shutdown();
        }
    }

    private void notifyAll(java.util.function.Consumer<LeadershipListener> call) {
        for (LeadershipListener l : listeners) {
            try {
                notifier.execute(() -> call.accept(l));
            } catch (RejectedExecutionException e) {
                log.warn("Listener executor of the election at {} refused a callback", line.parent(), e);
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
