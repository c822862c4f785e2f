package io.zkrecipes.config;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The server's own count of watches, from its {@code wchs} command (enabled by the test classes). */
final class ServerWatches {
    static final String WHITELIST = "zookeeper.4lw.commands.whitelist";
    private static final Pattern TOTAL = Pattern.compile("Total watches:(\\d+)");

    private ServerWatches() {
    }

    /** Call before any server starts: lets the tests ask the server for its watch summary. */
    static void enable() {
        System.setProperty(WHITELIST, "wchs");
    }

    static int total(String connectString) {
        String hostPort = connectString.split(",")[0];
        int colon = hostPort.lastIndexOf(':');
        try (Socket s = new Socket(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("wchs".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            String reply = out.toString(StandardCharsets.US_ASCII);
            Matcher m = TOTAL.matcher(reply);
            if (!m.find()) {
                throw new IllegalStateException("unexpected wchs reply: " + reply);
            }
            return Integer.parseInt(m.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
