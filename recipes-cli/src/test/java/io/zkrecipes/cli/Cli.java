package io.zkrecipes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zkrecipes.testing.ZkTestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Runs zkr in this JVM, as its main would, and keeps what it printed. */
final class Cli {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(int code, String out, String err) {
        /** stdout parsed as JSON, after checking the command succeeded. */
        JsonNode json() {
            assertEquals(0, code, () -> "exit code; stderr: " + err);
            try {
                return JSON.readTree(out);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("not JSON: " + out, e);
            }
        }

        /** stdout, after checking the command succeeded. */
        String text() {
            assertEquals(0, code, () -> "exit code; stderr: " + err);
            return out;
        }
    }

    private Cli() {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Zkr.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** {@code args} against the servers of {@code zk}, in the current test's namespace. */
    static Result run(ZkTestServers zk, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--connect", zk.connectString(), "--namespace", zk.namespace(), "--timeout", "10s"));
        return run(all.toArray(String[]::new));
    }

    /** The hex form zkr prints for a session. */
    static String session(long id) {
        return "0x" + Long.toHexString(id);
    }
}
