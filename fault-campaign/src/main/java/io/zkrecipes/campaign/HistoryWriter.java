package io.zkrecipes.campaign;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker's own history file: one line per event, flushed as it happens, so that a worker
 * stopped or killed at any point leaves every invocation it began. A line is
 * {@code wallMillis monoNanos worker opId event workload op value}, tab-separated, where the event
 * is {@code invoke}, then {@code ok}, {@code fail} (it did not happen) or {@code info} (it may have
 * happened: the outcome is unknown). Thread-safe.
 */
final class HistoryWriter implements AutoCloseable {
    static final String INVOKE = "invoke";
    static final String OK = "ok";
    static final String FAIL = "fail";
    static final String INFO = "info";

    private final String worker;
    private final Writer out;
    private final AtomicLong ids = new AtomicLong();

    HistoryWriter(String worker, Path file) throws IOException {
        this.worker = worker;
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** Records the start of an operation and returns its id. */
    long invoke(String workload, String op, Object value) {
        long id = ids.incrementAndGet();
        append(id, INVOKE, workload, op, value);
        return id;
    }

    void ok(long id, String workload, String op, Object value) {
        append(id, OK, workload, op, value);
    }

    void fail(long id, String workload, String op, Object reason) {
        append(id, FAIL, workload, op, reason);
    }

    void unknown(long id, String workload, String op, Object reason) {
        append(id, INFO, workload, op, reason);
    }

    private synchronized void append(long id, String event, String workload, String op, Object value) {
        String text = String.valueOf(value).replace('\t', ' ').replace('\n', ' ');
        try {
            out.write(System.currentTimeMillis() + "\t" + System.nanoTime() + "\t" + worker + "\t" + id + "\t"
                    + event + "\t" + workload + "\t" + op + "\t" + text + "\n");
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
