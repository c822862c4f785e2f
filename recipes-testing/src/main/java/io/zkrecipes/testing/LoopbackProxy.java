package io.zkrecipes.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy on 127.0.0.1 in front of one ZooKeeper server, for one client, so that faults can be
 * injected into that client's connection alone.
 *
 * <p>Bytes are forwarded both ways by two daemon threads per connection, frame by frame: every
 * ZooKeeper message is a 4-byte big-endian length and a body. After the connect handshake a
 * request body starts with {@code int xid, int type} and a reply body with {@code int xid, long
 * zxid, int err}; that is all the proxy needs to drop one chosen reply. Thread-safe.
 */
final class LoopbackProxy implements AutoCloseable {
    private static final int NOT_ARMED = Integer.MIN_VALUE;
    private static final int MAX_FRAME = 64 << 20;
    private static final AtomicInteger CONNECTION_IDS = new AtomicInteger();

    private final InetSocketAddress target;
    private final ServerSocket listener;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final AtomicInteger armedOpCode = new AtomicInteger(NOT_ARMED);
    private final AtomicReference<CompletableFuture<Integer>> armedDrop = new AtomicReference<>();
    private volatile boolean armedCut;
    private volatile boolean accepting = true;
    private volatile boolean closed;

    /** Listens on an ephemeral loopback port and forwards to {@code 127.0.0.1:targetPort}. */
    LoopbackProxy(int targetPort) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        this.target = new InetSocketAddress(loopback, targetPort);
        this.listener = new ServerSocket(0, 50, loopback);
        Thread acceptor = new Thread(this::acceptLoop, "zk-proxy-" + port() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The port clients connect to. */
    int port() {
        return listener.getLocalPort();
    }

    /** {@code 127.0.0.1:port}, for a connect string. */
    String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** Whether a client connection is currently being forwarded. */
    boolean hasOpenConnection() {
        return !links.isEmpty();
    }

    /** Closes every forwarded connection and closes new ones as soon as they are accepted. */
    void cut() {
        accepting = false;
        links.forEach(Link::close);
    }

    /** Forwards new connections again. */
    void restore() {
        accepting = true;
    }

    /**
     * Swallows the reply to the next request of type {@code opCode} (a {@code ZooDefs.OpCode}
     * value) and then closes that connection: the server applied the request, the client sees a
     * connection loss. With {@code thenCut}, new connections are refused from that moment, as after
     * {@link #cut()}. Replaces an earlier arming that has not fired.
     *
     * @return completed with the xid of the swallowed reply once it has been dropped
     */
    CompletableFuture<Integer> dropNextReply(int opCode, boolean thenCut) {
        CompletableFuture<Integer> dropped = new CompletableFuture<>();
        armedDrop.set(dropped);
        armedCut = thenCut;
        armedOpCode.set(opCode);
        return dropped;
    }

    /** Cancels an arming made by {@link #dropNextReply} that has not fired. */
    void disarm() {
        armedOpCode.set(NOT_ARMED);
    }

    @Override
    public void close() {
        closed = true;
        accepting = false;
        closeQuietly(listener);
        links.forEach(Link::close);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                if (accepting) {
                    open(client);
                } else {
                    closeQuietly(client);
                }
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    private void open(Socket client) {
        Socket server = new Socket();
        try {
            server.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
            server.connect(target, 2_000);
        } catch (IOException e) {
            closeQuietly(server);
            closeQuietly(client); // the server is down: the client sees a refused connection
            return;
        }
        Link link = new Link(client, server);
        links.add(link);
        if (!accepting || closed) {
            link.close();
            return;
        }
        String name = "zk-proxy-" + port() + "-" + CONNECTION_IDS.incrementAndGet();
        start(name + "-up", () -> link.pump(true));
        start(name + "-down", () -> link.pump(false));
    }

    private static void start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing a socket that is already broken
        }
    }

    /** One proxied connection: a client socket and the matching server socket. */
    private final class Link {
        private final Socket client;
        private final Socket server;
        /** The xid whose reply must be dropped, or NOT_ARMED. */
        private volatile int dropXid = NOT_ARMED;
        private volatile CompletableFuture<Integer> dropFuture;
        private volatile boolean cutAfterDrop;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void pump(boolean fromClient) {
            Socket from = fromClient ? client : server;
            Socket to = fromClient ? server : client;
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(from.getInputStream()));
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(to.getOutputStream()))) {
                boolean handshake = true;
                while (true) {
                    byte[] body = readFrame(in);
                    if (!handshake && !(fromClient ? inspectRequest(body) : inspectReply(body))) {
                        return;
                    }
                    handshake = false;
                    out.writeInt(body.length);
                    out.write(body);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed: end the pair
            } finally {
                close();
            }
        }

        private byte[] readFrame(DataInputStream in) throws IOException {
            int length = in.readInt();
            if (length < 0 || length > MAX_FRAME) {
                throw new IOException("bad frame length " + length);
            }
            byte[] body = new byte[length];
            in.readFully(body);
            return body;
        }

        /** Remembers the xid of an armed request; recorded before forwarding, so before any reply. */
        private boolean inspectRequest(byte[] body) {
            if (body.length >= 8) {
                ByteBuffer header = ByteBuffer.wrap(body);
                int xid = header.getInt();
                int type = header.getInt();
                if (armedOpCode.get() == type && armedOpCode.compareAndSet(type, NOT_ARMED)) {
                    dropFuture = armedDrop.get();
                    cutAfterDrop = armedCut;
                    dropXid = xid;
                }
            }
            return true;
        }

        /** Returns false, after closing the link, when this reply is the one to drop. */
        private boolean inspectReply(byte[] body) {
            int xid = dropXid;
            if (xid == NOT_ARMED || body.length < 4 || ByteBuffer.wrap(body).getInt() != xid) {
                return true;
            }
            if (cutAfterDrop) {
                cut(); // refuses the reconnection before the client can see the connection go
            } else {
                close();
            }
            dropFuture.complete(xid);
            return false;
        }

        void close() {
            links.remove(this);
            closeQuietly(client);
            closeQuietly(server);
        }
    }
}
