package io.zkrecipes.campaign;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/** A worker's connection to the fenced store. Thread-safe (one request at a time). */
final class StoreClient implements AutoCloseable {
    private final String worker;
    private final Socket socket;
    private final BufferedReader in;
    private final PrintWriter out;

    StoreClient(String worker, int port) throws IOException {
        this.worker = worker;
        this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        this.out = new PrintWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8));
    }

    /** The value of {@code key}, or empty if the store refused {@code token} as stale. */
    OptionalLong read(String key, long token) throws IOException {
        return reply(request("READ " + key + " " + token + " " + worker));
    }

    /** Whether the store accepted the write of {@code value} under {@code token}. */
    boolean write(String key, long token, long value) throws IOException {
        return reply(request("WRITE " + key + " " + token + " " + worker + " " + value)).isPresent();
    }

    private synchronized String request(String line) throws IOException {
        out.println(line);
        out.flush();
        String reply = in.readLine();
        if (reply == null) {
            throw new IOException("the store closed the connection");
        }
        return reply;
    }

    private static OptionalLong reply(String line) throws IOException {
        if (line.startsWith("OK ")) {
            return OptionalLong.of(Long.parseLong(line.substring(3)));
        }
        if (line.startsWith("STALE ")) {
            return OptionalLong.empty();
        }
        throw new IOException("store: " + line);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
