package io.zkrecipes.campaign;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One worker's way to the ensemble: a TCP proxy on 127.0.0.1 that forwards each connection it
 * accepts to the next server that takes it, so the worker's connect string names the proxy alone
 * and a killed server sends it to another. Faults act on this worker's connection only: a cut
 * closes it and refuses new ones until restored; while replies are dropped, every frame from the
 * server is discarded (the requests still reach the server and are applied). Frames are ZooKeeper's
 * own: a 4-byte big-endian length and a body. Thread-safe.
 */
final class WorkerProxy implements AutoCloseable {
    private static final int MAX_FRAME = 64 << 20;

    private final String name;
    private final List<Integer> serverPorts;
    private final ServerSocket listener;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextServer = new AtomicInteger();
    private volatile boolean cut;
    private volatile boolean droppingReplies;
    private volatile boolean closed;

    WorkerProxy(String name, List<Integer> serverPorts) throws IOException {
        this.name = name;
        this.serverPorts = List.copyOf(serverPorts);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(name + "-accept", this::acceptLoop);
    }

    String connectString() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Closes the forwarded connection and refuses new ones until {@link #restore()}. */
    void cut() {
        cut = true;
        links.forEach(Link::close);
    }

    void restore() {
        cut = false;
    }

    /** While on, replies are swallowed; the connection stays open. */
    void dropReplies(boolean on) {
        droppingReplies = on;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        links.forEach(Link::close);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                if (cut) {
                    closeQuietly(client);
                } else {
                    open(client);
                }
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    /** Connects to the first server, starting from the next in turn, that accepts; else drops the client. */
    private void open(Socket client) {
        int first = nextServer.getAndIncrement();
        for (int i = 0; i < serverPorts.size(); i++) {
            int port = serverPorts.get(Math.floorMod(first + i, serverPorts.size()));
            Socket server = new Socket();
            try {
                server.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            } catch (IOException refused) {
                closeQuietly(server);
                continue;
            }
            Link link = new Link(client, server);
            links.add(link);
            if (cut || closed) {
                link.close();
                return;
            }
            daemon(name + "-up", () -> link.pump(client, server, false));
            daemon(name + "-down", () -> link.pump(server, client, true));
            return;
        }
        closeQuietly(client);
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // a socket that is already broken
        }
    }

    /** One forwarded connection. */
    private final class Link {
        private final Socket client;
        private final Socket server;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void pump(Socket from, Socket to, boolean replies) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(from.getInputStream()));
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(to.getOutputStream()))) {
                while (true) {
                    int length = in.readInt();
                    if (length < 0 || length > MAX_FRAME) {
                        return;
                    }
                    byte[] body = new byte[length];
                    in.readFully(body);
                    if (replies && droppingReplies) {
                        continue;
                    }
                    out.writeInt(length);
                    out.write(body);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed: end the pair
            } finally {
                close();
            }
        }

        void close() {
            links.remove(this);
            closeQuietly(client);
            closeQuietly(server);
        }
    }
}
