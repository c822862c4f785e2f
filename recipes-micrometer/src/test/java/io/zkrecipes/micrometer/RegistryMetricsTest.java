package io.zkrecipes.micrometer;

import static io.zkrecipes.micrometer.Metered.awaitValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.naming.ServiceDiscovery;
import io.zkrecipes.naming.ServiceInstance;
import io.zkrecipes.naming.ServiceRegistry;
import io.zkrecipes.testing.ZkTestServers;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegistryMetricsTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    @Test
    void registrations_areCounted_andDiscoverySeesTheInstances() throws Exception {
        Metered provider = new Metered(zk);
        Metered consumer = new Metered(zk);
        ServiceDiscovery discovery = zk.closeAfterTest(ServiceDiscovery.builder(consumer.client, "orders").build());
        discovery.start();
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(provider.client));
        registry.register("orders", ServiceInstance.of("orders-1", "10.0.0.1", 8080));
        registry.register("orders", ServiceInstance.of("orders-2", "10.0.0.2", 8080));
        awaitValue(2.0, () -> provider.count("zkrecipes.registry.registrations", "service", "orders"));
        awaitValue(2.0, () -> consumer.gauge("zkrecipes.registry.instances", "service", "orders"));
        registry.unregister("orders", "orders-1");
        awaitValue(1.0, () -> consumer.gauge("zkrecipes.registry.instances", "service", "orders"));
    }

    @Test
    void sessionLoss_registersAgain_andCountsIt() throws Exception {
        Metered provider = new Metered(zk);
        ServiceRegistry registry = zk.closeAfterTest(ServiceRegistry.create(provider.client));
        assertTrue(registry.register("billing", ServiceInstance.of("billing-1", "10.0.0.3", 9090)).awaitRegistered(Metered.WAIT));
        zk.expireSession(provider.client);
        awaitValue(2.0, () -> provider.count("zkrecipes.registry.registrations", "service", "billing"));
    }
}
