package io.zkrecipes.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class LinkTest {
    private static final long ONE_WAY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private ServerSocket echo;
    private Thread echoThread;
    private final List<Link> links = new ArrayList<>();

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            try (Socket s = echo.accept()) {
                s.getInputStream().transferTo(s.getOutputStream());
            } catch (IOException e) {
                // the test closed the server
            }
        });
        echoThread.setDaemon(true);
        echoThread.start();
    }

    @AfterEach
    void stop() throws IOException {
        links.forEach(Link::close);
        echo.close();
    }

    private Socket connect() throws IOException {
        String relayed = Link.wrap("127.0.0.1:" + echo.getLocalPort(), ONE_WAY_NANOS, links);
        int colon = relayed.lastIndexOf(':');
        Socket s = new Socket();
        s.connect(new InetSocketAddress(relayed.substring(0, colon), Integer.parseInt(relayed.substring(colon + 1))));
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void roundTrip_takesTwiceTheOneWayDelay() throws IOException {
        try (Socket s = connect()) {
            long t0 = System.nanoTime();
            s.getOutputStream().write(7);
            assertEquals(7, s.getInputStream().read());
            long took = System.nanoTime() - t0;
            assertTrue(took >= 2 * ONE_WAY_NANOS, "round trip took only " + took + " ns");
        }
    }

    @Test
    void bytes_arriveComplete_andInOrder() throws Exception {
        byte[] sent = new byte[1 << 20];
        new Random(42).nextBytes(sent);
        try (Socket s = connect()) {
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int off = 0; off < sent.length; off += 1000) {
                        out.write(sent, off, Math.min(1000, sent.length - off));
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            byte[] got = s.getInputStream().readNBytes(sent.length);
            writer.join();
            assertArrayEquals(sent, got);
        }
    }

    @Test
    void serverClosing_closesTheClient_afterDeliveringWhatItSent() throws Exception {
        try (ServerSocket greeter = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = greeter.accept()) {
                    s.getOutputStream().write(new byte[] {1, 2, 3}); // then closes at once
                } catch (IOException e) {
                    // the test failed elsewhere
                }
            });
            t.setDaemon(true);
            t.start();
            String relayed = Link.wrap("127.0.0.1:" + greeter.getLocalPort(), ONE_WAY_NANOS, links);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(),
                    Integer.parseInt(relayed.substring(relayed.lastIndexOf(':') + 1)))) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                assertArrayEquals(new byte[] {1, 2, 3}, in.readNBytes(3));
                assertEnded(in);
            }
        }
    }

    private static void assertEnded(InputStream in) {
        try {
            assertEquals(-1, in.read());
        } catch (IOException e) {
            // a reset also ends the connection
        }
    }

    @Test
    void close_endsRelayedConnections_andRefusesNewOnes() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(1);
            assertEquals(1, s.getInputStream().read());
            links.forEach(Link::close);
            assertEnded(s.getInputStream());
            String address = links.get(0).address();
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            // nothing listens there any more: the port can be bound again (a connect would be a
            // weaker check, since a client socket may pick that very port and connect to itself)
            new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
        }
    }

    @Test
    void wrap_keepsChroot_andRelaysEveryServer() throws IOException {
        String relayed = Link.wrap("127.0.0.1:1,127.0.0.1:2/app", ONE_WAY_NANOS, links);
        assertEquals(2, links.size());
        assertTrue(relayed.matches("127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+/app"), relayed);
    }
}
