package io.zkrecipes.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

/**
 * The ensemble the examples talk to: an existing one given by a connect string, or a 3-server
 * ensemble started inside this process on free loopback ports and stopped by {@link #close()}.
 */
final class Ensemble implements AutoCloseable {
    private static final int TICK_MILLIS = 500;

    private final String connectString;
    private final TestingCluster embedded;

    private Ensemble(String connectString, TestingCluster embedded) {
        this.connectString = connectString;
        this.embedded = embedded;
    }

    /** Uses {@code connect} when not null, else starts an embedded 3-server ensemble. */
    static Ensemble open(String connect, PrintStream out) {
        quietServerLogs();
        if (connect != null) {
            out.println("Using the ensemble at " + connect);
            return new Ensemble(connect, null);
        }
        System.setProperty("zookeeper.admin.enableServer", "false"); // no HTTP admin port to collide on
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            specs.add(new InstanceSpec(null, InstanceSpec.getRandomPort(), InstanceSpec.getRandomPort(),
                    InstanceSpec.getRandomPort(), true, id, TICK_MILLIS, 0,
                    Map.of("minSessionTimeout", "1000", "maxSessionTimeout", "60000")));
        }
        TestingCluster cluster = new TestingCluster(specs.toArray(new InstanceSpec[0]));
        try {
            cluster.start();
        } catch (Exception e) {
            closeQuietly(cluster);
            throw new IllegalStateException("could not start the embedded ensemble", e);
        }
        StringBuilder connectString = new StringBuilder();
        for (InstanceSpec spec : specs) {
            connectString.append(connectString.length() == 0 ? "" : ",").append("127.0.0.1:").append(spec.getPort());
        }
        out.println("Started an embedded 3-server ensemble at " + connectString
                + " (pass --connect host:port,... to use a real one)");
        return new Ensemble(connectString.toString(), cluster);
    }

    /**
     * ZooKeeper, the embedded servers and the recipes log every expected disconnection, expiry and
     * shutdown as a warning; the examples tell that story themselves. A level given on the
     * command line ({@code -Dorg.slf4j.simpleLogger.log.org.apache.zookeeper=info}) wins.
     */
    private static void quietServerLogs() {
        Map<String, String> levels = Map.of("org.apache.zookeeper", "off", "org.apache.curator", "off", "io.zkrecipes", "error");
        levels.forEach((logger, level) -> {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, level);
            }
        });
    }

    String connectString() {
        return connectString;
    }

    boolean isEmbedded() {
        return embedded != null;
    }

    /** Stops the embedded ensemble, if this object started one. */
    @Override
    public void close() {
        if (embedded != null) {
            closeQuietly(embedded);
        }
    }

    private static void closeQuietly(TestingCluster cluster) {
        try {
            cluster.close();
        } catch (IOException | RuntimeException e) {
            // stopping is best effort: the data directories are temporary
        }
    }
}
