package io.zkrecipes.campaign;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** How the campaign starts JVMs of its own: the running JDK's java and the module's classpath. */
final class Java {
    private static final String CLASSPATH_FILE = "runtime-classpath.txt";

    private Java() {
    }

    static String executable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * This module's classes followed by its runtime dependencies, as written at build time: the
     * classpath of the running JVM may be Maven's or a test booter's, not the module's.
     */
    static String classpath() {
        try (InputStream in = Java.class.getResourceAsStream(CLASSPATH_FILE)) {
            if (in == null) {
                throw new IllegalStateException(CLASSPATH_FILE + " is missing: build the module with Maven");
            }
            String dependencies = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return ownLocation() + File.pathSeparator + dependencies;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String ownLocation() {
        try {
            return Path.of(Java.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
