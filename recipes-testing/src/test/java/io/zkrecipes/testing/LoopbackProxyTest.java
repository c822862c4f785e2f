package io.zkrecipes.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy against a fake server speaking ZooKeeper's framing: a handshake each way, then every
 * request {@code (xid, type)} is answered with a reply {@code (xid, zxid, err)}.
 */
@Timeout(20)
class LoopbackProxyTest {
    private ServerSocket fakeServer;
    private LoopbackProxy proxy;

    @BeforeEach
    void start() throws IOException {
        fakeServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::serve, "fake-zk");
        acceptor.setDaemon(true);
        acceptor.start();
        proxy = new LoopbackProxy(fakeServer.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        fakeServer.close();
    }

    @Test
    void forwardsRequestsAndReplies() throws IOException {
        try (Conversation client = Conversation.open(proxy.port())) {
            assertEquals(1, client.call(1, 3));
            assertEquals(2, client.call(2, 4));
        }
    }

    @Test
    void dropNextReply_swallowsOnlyTheReplyToTheArmedTypeAndCloses() throws Exception {
        CompletableFuture<Integer> dropped = proxy.dropNextReply(4, false);
        try (Conversation client = Conversation.open(proxy.port())) {
            assertEquals(7, client.call(7, 3));
            assertFalse(dropped.isDone());

            assertThrows(EOFException.class, () -> client.call(8, 4));
            assertEquals(8, dropped.get(5, TimeUnit.SECONDS));
        }
        try (Conversation again = Conversation.open(proxy.port())) {
            assertEquals(9, again.call(9, 4)); // armed once only
        }
    }

    @Test
    void dropNextReplyThenCut_refusesNewConnectionsFromTheDropUntilRestored() throws Exception {
        CompletableFuture<Integer> dropped = proxy.dropNextReply(4, true);
        try (Conversation client = Conversation.open(proxy.port())) {
            assertEquals(5, client.call(5, 3));
            assertThrows(EOFException.class, () -> client.call(6, 4));
            assertEquals(6, dropped.get(5, TimeUnit.SECONDS));
        }
        try (Conversation refused = new Conversation(proxy.port())) {
            assertThrows(IOException.class, refused::handshake);
        }
        proxy.restore();
        try (Conversation again = Conversation.open(proxy.port())) {
            assertEquals(7, again.call(7, 4));
        }
    }

    @Test
    void cut_closesConnectionsAndRefusesNewOnesUntilRestored() throws IOException {
        try (Conversation client = new Conversation(proxy.port())) {
            proxy.cut();
            assertThrows(IOException.class, client::handshake);
        }
        try (Conversation refused = new Conversation(proxy.port())) {
            assertThrows(IOException.class, refused::handshake);
        }
        proxy.restore();
        try (Conversation client = Conversation.open(proxy.port())) {
            assertEquals(3, client.call(3, 1));
        }
    }

    private void serve() {
        while (!fakeServer.isClosed()) {
            try {
                Socket socket = fakeServer.accept();
                Thread handler = new Thread(() -> answer(socket), "fake-zk-connection");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void answer(Socket socket) {
        try (socket; DataInputStream in = new DataInputStream(socket.getInputStream());
                DataOutputStream out = new DataOutputStream(socket.getOutputStream())) {
            in.readFully(new byte[in.readInt()]);
            out.writeInt(4);
            out.writeInt(0); // handshake reply body
            while (true) {
                in.readInt();
                int xid = in.readInt();
                in.readInt(); // type
                out.writeInt(16);
                out.writeInt(xid);
                out.writeLong(42);
                out.writeInt(0);
            }
        } catch (IOException e) {
            // the proxy closed the connection
        }
    }

    /** A client side speaking the framing through the proxy. */
    private static final class Conversation implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private final DataOutputStream out;

        /** Connects and completes the handshake. */
        static Conversation open(int port) throws IOException {
            Conversation conversation = new Conversation(port);
            conversation.handshake();
            return conversation;
        }

        /** Connects without a handshake. */
        Conversation(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
        }

        void handshake() throws IOException {
            out.writeInt(4);
            out.writeInt(0);
            in.readFully(new byte[in.readInt()]);
        }

        /** Sends a request and returns the xid of the reply. */
        int call(int xid, int type) throws IOException {
            out.writeInt(8);
            out.writeInt(xid);
            out.writeInt(type);
            int length = in.readInt();
            int replyXid = in.readInt();
            in.readFully(new byte[length - 4]);
            return replyXid;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
