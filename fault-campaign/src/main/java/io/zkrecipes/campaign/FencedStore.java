package io.zkrecipes.campaign;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The resource the recipes protect: a map of named counters served over a socket by the campaign
 * process. A fenced store remembers, per key, the highest fencing token any request carried and
 * refuses a request with a lower one (a read too: a holder that read under a token may have been
 * superseded by the time it writes, and a newer holder's read must shut it out). An unfenced store
 * accepts everything. Every decision is recorded, in order, for the checkers.
 *
 * <p>Protocol, one line each way: {@code READ key token worker} answers {@code OK value} or
 * {@code STALE highest}; {@code WRITE key token worker value} answers {@code OK value} or
 * {@code STALE highest}. Thread-safe.
 */
final class FencedStore implements AutoCloseable {
    private final boolean fenced;
    private final ServerSocket listener;
    private final Writer log;
    private final Map<String, Long> values = new HashMap<>();   // guarded by this
    private final Map<String, Long> highest = new HashMap<>();  // guarded by this
    private final Map<String, String> lastReader = new HashMap<>(); // guarded by this
    private final List<StoreEvent> events = new ArrayList<>();  // guarded by this
    private final List<Socket> connections = new ArrayList<>(); // guarded by this
    private volatile boolean closed;

    FencedStore(boolean fenced, Path logFile) throws IOException {
        this.fenced = fenced;
        this.log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "fenced-store-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    synchronized List<StoreEvent> events() {
        return List.copyOf(events);
    }

    /** The worker whose request on {@code key} was accepted last (the likely holder), or null. */
    synchronized String lastAccessor(String key) {
        return lastReader.get(key);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        synchronized (this) {
            for (Socket s : connections) {
                s.close();
            }
            log.close();
        }
    }

    /** Decides one request and returns the reply line. */
    synchronized String apply(String op, String key, long token, String worker, long value) {
        long high = highest.getOrDefault(key, Long.MIN_VALUE);
        boolean accepted = !fenced || token >= high;
        long current = values.getOrDefault(key, 0L);
        if (accepted) {
            highest.put(key, Math.max(high, token));
            lastReader.put(key, worker);
            if (StoreEvent.WRITE.equals(op)) {
                values.put(key, value);
                current = value;
            }
        }
        record(new StoreEvent(System.nanoTime(), worker, op, key, token, StoreEvent.WRITE.equals(op) ? value : current,
                accepted));
        return accepted ? "OK " + current : "STALE " + high;
    }

    private void record(StoreEvent event) {
        events.add(event);
        try {
            log.write(event.line());
            log.write('\n');
            log.flush();
        } catch (IOException e) {
            // the in-memory list is what the checkers read; the file is for people
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = listener.accept();
                synchronized (this) {
                    connections.add(socket);
                }
                Thread t = new Thread(() -> serve(socket), "fenced-store-" + socket.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    private void serve(Socket socket) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(new BufferedWriter(
                        new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8)))) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(handle(line.trim().split(" ")));
                out.flush();
            }
        } catch (IOException e) {
            // the worker went away
        }
    }

    private String handle(String[] f) {
        try {
            switch (f[0]) {
                case StoreEvent.READ:
                    return apply(StoreEvent.READ, f[1], Long.parseLong(f[2]), f[3], 0);
                case StoreEvent.WRITE:
                    return apply(StoreEvent.WRITE, f[1], Long.parseLong(f[2]), f[3], Long.parseLong(f[4]));
                default:
                    return "ERROR unknown request " + f[0];
            }
        } catch (RuntimeException e) {
            return "ERROR " + e;
        }
    }
}
