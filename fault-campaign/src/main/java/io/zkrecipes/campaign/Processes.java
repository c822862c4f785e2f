package io.zkrecipes.campaign;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Every child process a campaign starts, so that all of them are stopped at the end, also when the
 * campaign is interrupted: a paused process is sent SIGCONT before it is killed, since a stopped
 * process only dies of SIGKILL once the kernel gets to it, and it must not linger stopped.
 * Thread-safe.
 */
final class Processes implements AutoCloseable {
    private final List<Process> started = new CopyOnWriteArrayList<>();
    private final Set<Long> paused = ConcurrentHashMap.newKeySet();
    private final Thread hook = new Thread(this::close, "campaign-stop-processes");

    Processes() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts {@code command}, its standard output and error appended to {@code log}. */
    Process start(List<String> command, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process process = builder.start();
        started.add(process);
        return process;
    }

    /** SIGSTOP: the process keeps its sockets and its memory and runs no instruction until resumed. */
    void pause(Process process) {
        paused.add(process.pid());
        signal(process.pid(), "STOP");
    }

    /** SIGCONT. */
    void resume(Process process) {
        signal(process.pid(), "CONT");
        paused.remove(process.pid());
    }

    /** SIGKILL, waited for (at most 10 s). */
    static void kill(Process process) {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Resumes paused processes and kills every process still running. Idempotent. */
    @Override
    public void close() {
        for (Process process : started) {
            if (paused.remove(process.pid())) {
                signal(process.pid(), "CONT");
            }
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (Process process : started) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // called from the hook itself
        }
    }

    private static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("could not send SIG" + signal + " to " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
