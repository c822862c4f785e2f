package io.zkrecipes.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A self-signed key pair for {@code localhost}/{@code 127.0.0.1} in a PKCS12 key store, and a trust
 * store holding its certificate, made with the JDK's keytool in a fresh temporary folder with random
 * passwords. Nothing is committed; {@link #close()} deletes the folder.
 */
final class TlsMaterial implements AutoCloseable {
    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

    private final Path dir;
    private final Path keyStore;
    private final Path trustStore;
    private final String keyStorePassword;
    private final String trustStorePassword;

    private TlsMaterial(Path dir, String keyStorePassword, String trustStorePassword) {
        this.dir = dir;
        this.keyStore = dir.resolve("zk-keystore.p12");
        this.trustStore = dir.resolve("zk-truststore.p12");
        this.keyStorePassword = keyStorePassword;
        this.trustStorePassword = trustStorePassword;
    }

    /** Generates the stores; blocks for the three keytool runs. */
    static TlsMaterial generate() throws IOException, InterruptedException {
        TlsMaterial material = new TlsMaterial(Files.createTempDirectory("zk-tls"), randomSecret(), randomSecret());
        try {
            material.makeStores();
            return material;
        } catch (IOException | InterruptedException | RuntimeException e) {
            material.close();
            throw e;
        }
    }

    Path keyStore() {
        return keyStore;
    }

    Path trustStore() {
        return trustStore;
    }

    String keyStorePassword() {
        return keyStorePassword;
    }

    String trustStorePassword() {
        return trustStorePassword;
    }

    private void makeStores() throws IOException, InterruptedException {
        Path certificate = dir.resolve("zk.crt");
        keytool("-genkeypair", "-alias", "zk", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", keyStorePassword, "-keypass", keyStorePassword);
        keytool("-exportcert", "-rfc", "-alias", "zk", "-keystore", keyStore.toString(),
                "-storepass", keyStorePassword, "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "zk", "-file", certificate.toString(),
                "-storetype", "PKCS12", "-keystore", trustStore.toString(), "-storepass", trustStorePassword);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("keytool " + args[0] + " did not finish within " + KEYTOOL_TIMEOUT_SECONDS + " s");
        }
        if (process.exitValue() != 0) {
            // the output never echoes the passwords given on the command line
            throw new IOException("keytool " + args[0] + " failed (" + process.exitValue() + "): " + output.trim());
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Deletes the stores and their folder. */
    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
