package io.zkrecipes.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A tiny service on a loopback port: every connection gets one line, "hello from NAME". */
final class Greeter implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 2000;

    private final String name;
    private final ServerSocket server;

    Greeter(String name) throws IOException {
        this.name = name;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serve, "greeter-" + name);
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Stops answering at once, as a crashed process would. */
    @Override
    public void close() throws IOException {
        server.close();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                out.write(("hello from " + name + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // closed, or the caller went away: serve the next one
            }
        }
    }

    /** Calls the greeter at {@code host:port} and returns its line. */
    static String call(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed without an answer");
            }
            return line;
        }
    }
}
