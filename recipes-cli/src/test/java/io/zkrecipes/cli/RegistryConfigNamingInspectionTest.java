package io.zkrecipes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.zkrecipes.config.ConfigStore;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.naming.IdGenerator;
import io.zkrecipes.naming.ServiceInstance;
import io.zkrecipes.naming.ServiceRegistry;
import io.zkrecipes.naming.UniqueNameGenerator;
import io.zkrecipes.testing.ZkTestServers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class RegistryConfigNamingInspectionTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void services_listsEveryServiceAndOneServicesInstancesWithTheirSessions() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        ServiceRegistry ra = zk.closeAfterTest(ServiceRegistry.create(a));
        ServiceRegistry rb = zk.closeAfterTest(ServiceRegistry.create(b));
        ra.registerNow("orders", new ServiceInstance("orders-1", "10.0.0.7", 8080, Map.of("zone", "a")), Duration.ofSeconds(10));
        rb.registerNow("orders", ServiceInstance.of("orders-2", "10.0.0.8", 8080), Duration.ofSeconds(10));
        rb.registerNow("billing", ServiceInstance.of("billing-1", "10.0.0.9", 9090), Duration.ofSeconds(10));

        JsonNode all = Cli.run(zk, "services", "--json").json();
        assertEquals("/services", all.get("basePath").asText());
        assertEquals("billing", all.get("services").get(0).get("name").asText());
        assertEquals("orders", all.get("services").get(1).get("name").asText());

        JsonNode orders = Cli.run(zk, "services", "orders", "--json").json().get("services").get(0).get("instances");
        assertEquals(2, orders.size());
        assertEquals("10.0.0.7:8080", orders.get(0).get("address").asText());
        assertEquals("a", orders.get(0).get("metadata").get("zone").asText());
        assertEquals(Cli.session(a.sessionId()), orders.get(0).get("session").asText());
        assertEquals(Cli.session(b.sessionId()), orders.get(1).get("session").asText());

        String text = Cli.run(zk, "services", "orders").text();
        assertTrue(text.contains("orders  2 instances"), text);
        assertTrue(text.contains("orders-1  10.0.0.7:8080  session " + Cli.session(a.sessionId())), text);
        assertTrue(text.contains("zone=a"), text);

        Cli.Result none = Cli.run(zk, "services", "payments");
        assertEquals(1, none.code());
        assertTrue(none.err().contains("/services/payments is not a service"), none.err());
    }

    @Test
    void config_showsKeysValuesAndVersions() throws Exception {
        ConfigStore store = zk.closeAfterTest(ConfigStore.create(zk.newClient(), "/config/orders"));
        store.put("pool.size", "16");
        store.put("pool.size", "32");
        store.put("greeting", "hello world");
        store.putBytes("blob", new byte[] {0, 1, 2, (byte) 0xff});

        JsonNode json = Cli.run(zk, "config", "/config/orders", "--json").json();
        JsonNode entries = json.get("entries");
        assertEquals(3, entries.size());
        assertEquals("blob", entries.get(0).get("key").asText());
        assertEquals("base64", entries.get(0).get("value").get("encoding").asText());
        assertEquals("AAEC/w==", entries.get(0).get("value").get("value").asText());
        assertEquals("hello world", entries.get(1).get("value").get("value").asText());
        assertEquals("32", entries.get(2).get("value").get("value").asText());
        assertEquals(1, entries.get(2).get("version").asInt());

        String text = Cli.run(zk, "config", "/config/orders").text();
        assertTrue(text.contains("pool.size  \"32\"  (version 1"), text);
        assertTrue(text.contains("blob       (4 bytes of binary data)"), text);
    }

    @Test
    void config_readsKeysOnlyTheirCreatorMayReadWithTheCreatorsCredentials() throws Exception {
        ConfigStore store = zk.closeAfterTest(ConfigStore.create(
                zk.newClient(b -> b.authorization("ops", "s3cret")), "/config/secret"));
        store.put("password", "hunter2");

        Cli.Result denied = Cli.run(zk, "config", "/config/secret");
        assertEquals(4, denied.code());
        assertTrue(denied.err().contains("no permission to read /config/secret"), denied.err());

        JsonNode json = Cli.run(zk, "config", "/config/secret", "--auth", "ops:s3cret", "--json").json();
        assertEquals("hunter2", json.get("entries").get(0).get("value").get("value").asText());
    }

    @Test
    void ids_showsTheNextIdAndTheLeases() throws Exception {
        ZkClient client = zk.newClient();
        try (IdGenerator ids = IdGenerator.create(client, "/ids/orders", 100)) {
            assertEquals(1, ids.nextId());
        }
        try (IdGenerator ids = IdGenerator.create(client, "/ids/orders", 100)) {
            assertEquals(101, ids.nextId());
        }
        JsonNode json = Cli.run(zk, "ids", "/ids/orders", "--json").json();
        assertEquals(201, json.get("nextId").asLong());
        assertEquals(2, json.get("leases").asInt());
        assertTrue(Cli.run(zk, "ids", "/ids/orders").text().contains("next id    201"));
    }

    @Test
    void names_showsTheLastNameHandedOut() throws Exception {
        UniqueNameGenerator names = UniqueNameGenerator.create(zk.newClient(), "/names/jobs");
        names.next();
        String last = names.next();

        JsonNode json = Cli.run(zk, "names", "/names/jobs", "--json").json();
        assertEquals(last, json.get("lastName").asText());
        assertEquals(2, json.get("handedOut").asLong());
        assertTrue(Cli.run(zk, "names", "/names/jobs").text().contains("last name  " + last));

        Cli.Result notNames = Cli.run(zk, "names", "/ids");
        assertEquals(1, notNames.code(), notNames.err());
    }
}
