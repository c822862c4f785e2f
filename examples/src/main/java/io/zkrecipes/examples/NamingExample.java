package io.zkrecipes.examples;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.naming.IdGenerator;
import io.zkrecipes.naming.PickStrategy;
import io.zkrecipes.naming.Registration;
import io.zkrecipes.naming.ServiceDiscovery;
import io.zkrecipes.naming.ServiceInstance;
import io.zkrecipes.naming.ServiceRegistry;
import io.zkrecipes.naming.UniqueNameGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Naming example. Unique ids: three processes take ids from one {@code IdGenerator} (a block of ids
 * per request) and unique, ordered names from a {@code UniqueNameGenerator}; no id is given twice.
 * Service registry (a highly available "greeter" service on plain sockets): three providers register
 * their address, consumers call whichever instance discovery picks. One provider crashes: calls to it
 * fail and are routed to the others, and once its session ends it vanishes from every consumer's
 * list. Another provider's session expires: its registration comes back by itself.
 *
 * <p>Run: {@code mvn -q -pl examples exec:java -Dexec.args="naming [--connect host:port,...]"}.
 */
public final class NamingExample {
    static final int ID_PROCESSES = 3;
    static final int IDS_EACH = 25;
    private static final String SERVICE = "greeter";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private NamingExample() {
    }

    /** Runs the example; exits with status 1 if a checked fact did not hold. */
    public static void main(String[] args) {
        Example.exit(run(args, System.out));
    }

    static boolean run(String[] args, PrintStream out) {
        return Example.run("naming", NamingExample::play, args, out);
    }

    static void play(Stage stage) throws Exception {
        uniqueIds(stage);
        registry(stage);
    }

    private static void uniqueIds(Stage stage) throws Exception {
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        int[] duplicates = new int[1];
        for (int p = 1; p <= ID_PROCESSES; p++) {
            IdGenerator generator = IdGenerator.create(stage.client(), "/ids/orders", 10);
            String who = "process-" + p;
            Thread thread = new Thread(() -> {
                List<Long> mine = new ArrayList<>();
                try {
                    for (int i = 0; i < IDS_EACH; i++) {
                        long id = generator.nextId();
                        mine.add(id);
                        if (!ids.add(id)) {
                            synchronized (duplicates) {
                                duplicates[0]++;
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                stage.say(who, "took ids %s ... %s (blocks of 10: one request per 10 ids)", mine.subList(0, 3),
                        mine.get(mine.size() - 1));
            }, who);
            threads.add(thread);
            thread.start();
        }
        for (Thread t : threads) {
            t.join(WAIT.toMillis());
        }
        int total = ID_PROCESSES * IDS_EACH;
        stage.check(ids.size() == total && duplicates[0] == 0, total + " ids taken by " + ID_PROCESSES
                + " processes, " + ids.size() + " distinct: no id given twice");
        try (UniqueNameGenerator names = UniqueNameGenerator.create(stage.client(), "/names/invoices")) {
            String a = "invoice-" + names.next();
            String b = "invoice-" + names.next();
            stage.say("names", "%s, then %s", a, b);
            stage.check(a.compareTo(b) < 0, "unique names come out in creation order");
        }
    }

    private static void registry(Stage stage) throws Exception {
        List<Greeter> greeters = new ArrayList<>();
        List<ZkClient> providers = new ArrayList<>();
        List<ServiceDiscovery> consumers = new ArrayList<>();
        List<ServiceRegistry> registries = new ArrayList<>();
        List<Registration> registrations = new ArrayList<>();
        try {
            for (int p = 1; p <= 3; p++) {
                Greeter greeter = new Greeter("provider-" + p);
                greeters.add(greeter);
                ZkClient client = stage.client();
                providers.add(client);
                ServiceRegistry registry = ServiceRegistry.create(client);
                registries.add(registry);
                registrations.add(registry.registerNow(SERVICE,
                        ServiceInstance.of("provider-" + p, "127.0.0.1", greeter.port()), WAIT));
                stage.say("provider-" + p, "serves on 127.0.0.1:%d and registered it", greeter.port());
            }
            for (int c = 1; c <= 2; c++) {
                consumers.add(discovery(stage, "consumer-" + c, c == 1));
            }
            stage.check(awaitSize(consumers, 3), "both consumers list 3 instances");
            calls(stage, consumers, 6);
            stage.say("provider-2", "crashes: stops answering (its session lives on until it times out)");
            greeters.get(1).close();
            int answered = calls(stage, consumers, 6);
            stage.check(answered == 6, answered + " of 6 calls answered while provider-2 was down: consumers routed around it");
            stage.say("provider-2", "its session ends");
            stage.kill(providers.get(1));
            stage.check(awaitSize(consumers, 2) && consumers.stream().allMatch(d -> d.instances().stream()
                    .noneMatch(i -> i.id().equals("provider-2"))), "provider-2 vanished from every consumer's list");
            stage.say("provider-1", "is paused longer than its session lasts: its session expires");
            stage.expire(providers.get(0));
            Registration first = registrations.get(0);
            boolean back = first.awaitRegistered(WAIT) && Stage.await(() -> consumers.stream().allMatch(d ->
                    d.instances().stream().anyMatch(i -> i.id().equals("provider-1")) && d.instances().size() == 2), WAIT);
            stage.check(back, "provider-1's registration came back by itself after its session expired");
        } finally {
            consumers.forEach(Stage::closeQuietly);
            for (int i = 0; i < registries.size(); i++) {
                if (!providers.get(i).isClosed()) { // a dead process unregisters nothing: its session did
                    Stage.closeQuietly(registries.get(i));
                }
            }
            for (Greeter g : greeters) {
                g.close();
            }
        }
    }

    private static ServiceDiscovery discovery(Stage stage, String who, boolean narrate) throws Exception {
        ServiceDiscovery d = ServiceDiscovery.builder(stage.client(), SERVICE).strategy(PickStrategy.ROUND_ROBIN).build();
        if (narrate) {
            d.addListener(new ServiceDiscovery.Listener() {
                @Override
                public void instanceAdded(ServiceInstance instance) {
                    stage.say(who, "sees %s at %s appear", instance.id(), instance.address());
                }

                @Override
                public void instanceRemoved(ServiceInstance instance) {
                    stage.say(who, "sees %s go away", instance.id());
                }
            });
        }
        d.start();
        d.awaitInitialized(WAIT);
        return d;
    }

    /** Makes {@code count} calls spread over the consumers; returns how many were answered. */
    private static int calls(Stage stage, List<ServiceDiscovery> consumers, int count) {
        int answered = 0;
        Set<String> by = new HashSet<>();
        for (int i = 0; i < count; i++) {
            Optional<String> answer = call(stage, "consumer-" + (i % consumers.size() + 1), consumers.get(i % consumers.size()));
            if (answer.isPresent()) {
                answered++;
                by.add(answer.get());
            }
        }
        stage.say("consumers", "%d calls answered: %s", answered, by.stream().sorted().toList());
        return answered;
    }

    /** One call: pick an instance, and on a failure mark it failing and pick another. */
    private static Optional<String> call(Stage stage, String who, ServiceDiscovery discovery) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<ServiceInstance> target = discovery.pick();
            if (target.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(Greeter.call(target.get().host(), target.get().port()));
            } catch (IOException e) {
                stage.say(who, "call to %s failed (%s): skip it for a while, try another", target.get().id(), e.getMessage());
                discovery.markFailing(target.get(), Duration.ofSeconds(10));
            }
        }
        return Optional.empty();
    }

    private static boolean awaitSize(List<ServiceDiscovery> consumers, int size) throws InterruptedException {
        return Stage.await(() -> consumers.stream().allMatch(d -> d.instances().size() == size), WAIT);
    }
}
