package io.zkrecipes.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Server-side counters read with the {@code mntr} command, so that ours and Curator's request and
 * notification counts are measured the same way. Needs the command whitelisted on the server
 * ({@code zookeeper.4lw.commands.whitelist}); the embedded server has it.
 */
final class ServerStats {
    private final String host;
    private final int port;

    ServerStats(String connectString) {
        String first = connectString.split(",")[0];
        int colon = first.lastIndexOf(':');
        this.host = first.substring(0, colon);
        this.port = Integer.parseInt(first.substring(colon + 1));
    }

    /** Every numeric value {@code mntr} reports, by name; throws if the server refuses the command. */
    Map<String, Double> read() throws IOException {
        Map<String, Double> values = new HashMap<>();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write("mntr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] kv = line.split("\t");
                if (kv.length == 2) {
                    parseInto(values, kv[0], kv[1]);
                }
            }
        }
        if (values.isEmpty()) {
            throw new IOException("mntr returned nothing from " + host + ":" + port + " (not whitelisted?)");
        }
        return values;
    }

    /** How much {@code key} grew from {@code before} to {@code after} (0 if the server lacks it). */
    static double delta(Map<String, Double> before, Map<String, Double> after, String key) {
        return after.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0);
    }

    /** Requests received and watch notifications fired by the server between two readings. */
    record Traffic(double requests, double notifications) {
        Traffic per(double count) {
            return new Traffic(requests / count, notifications / count);
        }
    }

    /** What the server received and notified between {@code before} and {@code after}. */
    static Traffic traffic(Map<String, Double> before, Map<String, Double> after) {
        double fired = 0;
        for (String kind : new String[] {"created", "deleted", "changed", "children"}) {
            fired += delta(before, after, "zk_sum_node_" + kind + "_watch_count");
        }
        return new Traffic(delta(before, after, "zk_packets_received"), fired);
    }

    private static void parseInto(Map<String, Double> values, String key, String value) {
        try {
            values.put(key, Double.parseDouble(value));
        } catch (NumberFormatException e) {
            // text values (version, server state) are not counters
        }
    }
}
