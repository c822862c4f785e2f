package io.zkrecipes.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A simulated network link to one server: a TCP relay on 127.0.0.1 that holds every byte for a
 * fixed one-way delay in each direction, so one round trip costs twice that delay more. Per
 * connection and direction, a reader thread stamps each chunk it reads and queues it (bounded);
 * a writer thread writes each chunk once its time has come. Bytes keep their order; nothing
 * read is dropped while the receiving side is open. When either side closes, the data already
 * read from it is delivered after the delay, then both sockets are closed. Thread-safe; every
 * thread is a daemon and {@link #close()} stops them all.
 */
final class Link implements AutoCloseable {
    /** Chunks queued per direction before the reader stops reading (back-pressure). */
    private static final int QUEUE_CHUNKS = 256;
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final byte[] END = new byte[0];
    /** Bounds the wait for the accepting thread, which may be connecting to the target (5 s). */
    private static final long CLOSE_WAIT_MILLIS = 10_000;

    private record Chunk(long releaseNanos, byte[] bytes) {
    }

    private final InetSocketAddress target;
    private final long oneWayNanos;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Starts listening on an ephemeral port of 127.0.0.1; see {@link #address()}.
     *
     * @param oneWayNanos the delay each byte gets in each direction, at least 0
     * @throws IOException if no port could be opened
     */
    Link(InetSocketAddress target, long oneWayNanos) throws IOException {
        if (oneWayNanos < 0) {
            throw new IllegalArgumentException("oneWayNanos must be at least 0, was " + oneWayNanos);
        }
        this.target = target;
        this.oneWayNanos = oneWayNanos;
        this.listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        this.acceptor = daemon("link-accept-" + listener.getLocalPort(), this::acceptLoop);
        acceptor.start();
    }

    /**
     * Opens one link per server of {@code connectString} (a chroot suffix is kept) and returns the
     * connect string that reaches them all through their links; the links go into {@code opened}.
     *
     * @throws IOException if a link cannot listen; the links already opened stay in {@code opened}
     */
    static String wrap(String connectString, long oneWayNanos, List<Link> opened) throws IOException {
        int slash = connectString.indexOf('/');
        String hosts = slash < 0 ? connectString : connectString.substring(0, slash);
        StringJoiner relayed = new StringJoiner(",", "", slash < 0 ? "" : connectString.substring(slash));
        for (String hostPort : hosts.split(",")) {
            int colon = hostPort.lastIndexOf(':');
            Link link = new Link(new InetSocketAddress(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1))), oneWayNanos);
            opened.add(link);
            relayed.add(link.address());
        }
        return relayed.toString();
    }

    /** Where clients connect instead of the server, as {@code 127.0.0.1:port}. */
    String address() {
        return listener.getInetAddress().getHostAddress() + ":" + listener.getLocalPort();
    }

    /**
     * Stops accepting and closes every relayed connection; idempotent. Returns once nothing
     * listens on the port: a socket closed while another thread is in {@code accept} is only
     * released when that thread wakes, so this waits for the accepting thread to end.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            quietly(listener);
            open.forEach(Link::quietly);
            awaitAcceptorEnd();
        }
    }

    private void awaitAcceptorEnd() {
        try {
            acceptor.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!closed.get()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                relay(client);
            } catch (IOException e) {
                System.err.println("link: cannot reach " + target + ": " + e);
                quietly(client);
            }
        }
    }

    private void relay(Socket client) throws IOException {
        Socket server = new Socket();
        server.connect(target, 5_000);
        for (Socket s : new Socket[] {client, server}) {
            s.setTcpNoDelay(true);
            open.add(s);
        }
        if (closed.get()) {
            close(client, server);
            return;
        }
        direction(client, server, "up");
        direction(server, client, "down");
    }

    private void direction(Socket from, Socket to, String name) throws IOException {
        BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        String suffix = name + "-" + from.getPort() + "-" + to.getPort();
        daemon("link-read-" + suffix, () -> read(in, queue)).start();
        daemon("link-write-" + suffix, () -> write(queue, out, from, to)).start();
    }

    /** Queues what arrives, stamped with its release time, then an end marker on EOF or error. */
    private void read(InputStream in, BlockingQueue<Chunk> queue) {
        byte[] buffer = new byte[CHUNK_BYTES];
        try {
            try {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    queue.put(new Chunk(System.nanoTime() + oneWayNanos, Arrays.copyOf(buffer, n)));
                }
            } catch (IOException e) {
                // the socket was closed or reset: end this direction like an EOF
            }
            queue.put(new Chunk(System.nanoTime() + oneWayNanos, END));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes each chunk at its release time, in order; at the end marker closes both sockets.
     * After a write failure it keeps taking (and dropping) chunks so the reader never blocks.
     */
    private void write(BlockingQueue<Chunk> queue, OutputStream out, Socket from, Socket to) {
        boolean broken = false;
        try {
            for (Chunk c = queue.take(); c.bytes() != END; c = queue.take()) {
                if (broken) {
                    continue;
                }
                awaitRelease(c.releaseNanos());
                try {
                    out.write(c.bytes());
                    out.flush();
                } catch (IOException e) {
                    broken = true;
                    close(from, to); // the reader then fails and sends the end marker
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close(from, to);
    }

    private static void awaitRelease(long releaseNanos) {
        for (long left = releaseNanos - System.nanoTime(); left > 0; left = releaseNanos - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private void close(Socket a, Socket b) {
        quietly(a);
        quietly(b);
        open.remove(a);
        open.remove(b);
    }

    private static void quietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing on the way out: nothing left to do with the error
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}
