package io.zkrecipes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.config.ConfigStore;
import io.zkrecipes.testing.TlsTestServer;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class TlsInspectionTest {
    @RegisterExtension
    static final TlsTestServer tls = TlsTestServer.single();

    private static final List<String> KEYS = List.of("zookeeper.ssl.keyStore.location", "zookeeper.ssl.keyStore.password",
            "zookeeper.ssl.keyStore.type", "zookeeper.ssl.trustStore.location", "zookeeper.ssl.trustStore.password",
            "zookeeper.ssl.trustStore.type");

    @TempDir
    Path dir;

    @Test
    void config_isReadOverTlsWithTheClientSettingsFromAPropertiesFile() throws Exception {
        ConfigStore.create(tls.newClient(), "/config/tls").put("cipher", "strong");
        Path file = write(tls.clientConfig()); // the file leaves secure and the Netty socket to their defaults

        Cli.Result r = Cli.run("config", "/config/tls", "--connect", tls.secureConnectString(),
                "--namespace", tls.namespace(), "--tls-config", file.toString(), "--json");
        assertEquals("strong", r.json().get("entries").get(0).get("value").get("value").asText());
    }

    @Test
    void failedHandshake_exitsThree() throws Exception {
        Path file = write(tls.clientConfigWithoutTrustStore());
        Cli.Result r = Cli.run("config", "/config/tls", "--connect", tls.secureConnectString(),
                "--tls-config", file.toString(), "--timeout", "2s");
        assertEquals(3, r.code());
        assertTrue(r.err().contains("cannot connect to " + tls.secureConnectString() + " within 2.0 s over TLS"), r.err());
    }

    private Path write(ZKClientConfig config) throws IOException {
        Properties props = new Properties();
        // every key, empty ones too: a ZKClientConfig starts from the zookeeper.ssl.* system properties,
        // which the test server sets for itself while it runs
        KEYS.forEach(key -> props.setProperty(key, config.getProperty(key, "")));
        Path file = dir.resolve("zkr-tls.properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, "zkr TLS client settings");
        }
        return file;
    }
}
