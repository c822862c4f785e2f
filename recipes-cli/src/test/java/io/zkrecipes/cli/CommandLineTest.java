package io.zkrecipes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.config.ConfigStore;
import io.zkrecipes.testing.ZkTestServers;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class CommandLineTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void nothingListening_exitsThreeWithAClearMessage() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Cli.Result r = Cli.run("lock", "/locks/orders", "--connect", "127.0.0.1:" + port, "--timeout", "1s");
        assertEquals(3, r.code());
        assertEquals("zkr: cannot connect to 127.0.0.1:" + port + " within 1.0 s", r.err().strip());
        assertEquals("", r.out());
    }

    @Test
    void optionsMayComeBeforeOrAfterTheCommand() throws Exception {
        ConfigStore.create(zk.newClient(), "/config/app").put("k", "v");
        String before = Cli.run("--connect", zk.connectString(), "--namespace", zk.namespace(), "--json",
                "config", "/config/app").text();
        String after = Cli.run(zk, "config", "/config/app", "--json").text();
        assertEquals(after, before);
        assertTrue(after.contains("\"key\" : \"k\""), after);
    }

    @Test
    void namespace_scopesEveryPath() throws Exception {
        ConfigStore.create(zk.newClient(), "/config/app").put("k", "v");
        Cli.Result outside = Cli.run("config", "/config/app", "--connect", zk.connectString());
        assertEquals(1, outside.code(), outside.err());
        Cli.Result inside = Cli.run("config", "/" + zk.namespace() + "/config/app", "--connect", zk.connectString());
        assertEquals(0, inside.code(), inside.err());
    }

    @Test
    void badCommandLines_exitTwo() {
        assertEquals(2, Cli.run().code());
        assertEquals(2, Cli.run("lock").code());
        assertEquals(2, Cli.run("lock", "locks/orders").code());
        assertEquals(2, Cli.run("frobnicate", "/x").code());
        assertEquals(2, Cli.run("lock", "/x", "--timeout", "soon").code());
        assertEquals(2, Cli.run("lock", "/x", "--timeout", "0s").code());
        assertEquals(2, Cli.run("lock", "/x", "--connect", "a:1/chroot").code());
        Cli.Result auth = Cli.run("lock", "/x", "--auth", "nopassword");
        assertEquals(2, auth.code());
        assertTrue(auth.err().contains("--auth must be USER:PASSWORD"), auth.err());
        Cli.Result tls = Cli.run("lock", "/x", "--tls-config", "/no/such/file.properties");
        assertEquals(2, tls.code());
        assertTrue(tls.err().contains("cannot read --tls-config"), tls.err());
    }

    @Test
    void helpListsTheExitCodesAndVersionNamesBothVersions() {
        Cli.Result help = Cli.run("queue", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("Exit codes:"), help.out());
        assertTrue(help.out().contains("3   cannot connect"), help.out());
        Cli.Result version = Cli.run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("zkr ") && version.out().contains("ZooKeeper client 3.9"), version.out());
    }
}
