package io.zkrecipes.cli;

import io.zkrecipes.core.ZkPaths;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code zkr services [NAME]}: the instances in a service registry of recipes-naming. Each instance
 * is an ephemeral node {@code <base path>/<service>/<instance id>}, owned by the provider's session,
 * whose data is Java properties text: {@code id}, {@code host}, {@code port} and {@code meta.<key>}
 * for each metadata entry. The node's name is the instance's id.
 */
@Command(name = "services", description = "The instances registered under the registry's base path: every service,"
        + " or the service NAME; each with its address, metadata, session and how long it has been registered.")
final class ServicesCommand implements Callable<Integer> {
    private static final String META = "meta.";

    @ParentCommand
    private Zkr zkr;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "One service; all of them when left out.")
    private String name;

    @Option(names = "--base-path", paramLabel = "PATH", defaultValue = "/services",
            description = "The registry's base path, as given to ServiceRegistry.create (default: ${DEFAULT-VALUE}).")
    private String basePath;

    /** One provider; {@code problem} says why host or port are missing when its data is not an instance. */
    record Instance(String id, String host, Integer port, String address, Map<String, String> metadata,
            String session, String since, long registeredMillis, String problem) {
    }

    record Service(String name, List<Instance> instances) {
    }

    record ServicesReport(String basePath, List<Service> services) implements Report {
        @Override
        public void print(PrintWriter out) {
            out.println("services under " + basePath + (services.isEmpty() ? ": none" : ""));
            for (Service s : services) {
                out.printf("%s  %d instance%s%n", s.name, s.instances.size(), s.instances.size() == 1 ? "" : "s");
                for (Instance i : s.instances) {
                    String meta = i.metadata.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(" "));
                    out.printf("  %s  %s  session %s  registered %s%s%n", i.id,
                            i.problem == null ? i.address : "(" + i.problem + ")", i.session, Show.age(i.registeredMillis),
                            meta.isEmpty() ? "" : "  " + meta);
                }
            }
        }
    }

    @Override
    public Integer call() {
        String base = Zkr.checkPath(basePath, "--base-path");
        if (name != null) {
            Zkr.checkPath("/" + name, "NAME");
            if (name.contains("/")) {
                throw Failure.usage("NAME must be a service name without '/', was '" + name + "'");
            }
        }
        return zkr.inspect(nodes -> read(nodes, base, name));
    }

    static ServicesReport read(Nodes nodes, String basePath, String only) {
        nodes.get(basePath);
        Instant now = Instant.now();
        List<String> names = only != null ? List.of(only) : nodes.childrenOrNone(basePath).stream().sorted().toList();
        List<Service> services = new ArrayList<>();
        for (String service : names) {
            String servicePath = ZkPaths.join(basePath, service);
            List<String> ids = only != null ? nodes.children(servicePath).orElseThrow(() -> Failure.notA("a service",
                    servicePath, "there is no node " + servicePath + " under the registry's base path"))
                    : nodes.childrenOrNone(servicePath);
            List<Instance> instances = new ArrayList<>();
            ids.stream().sorted().forEach(id -> nodes.find(ZkPaths.join(servicePath, id))
                    .ifPresent(n -> instances.add(instance(id, n, now))));
            services.add(new Service(service, instances));
        }
        return new ServicesReport(basePath, services);
    }

    private static Instance instance(String id, Nodes.Node n, Instant now) {
        Properties props = new Properties();
        try {
            props.load(new StringReader(new String(n.data(), StandardCharsets.ISO_8859_1)));
        } catch (IOException | IllegalArgumentException e) {
            props.clear(); // a malformed escape: shown as not an instance
        }
        Map<String, String> metadata = new TreeMap<>();
        props.stringPropertyNames().stream().filter(k -> k.startsWith(META))
                .forEach(k -> metadata.put(k.substring(META.length()), props.getProperty(k)));
        String host = props.getProperty("host");
        Integer port = port(props.getProperty("port"));
        String problem = host == null || port == null ? "not an instance: no host or port in its data" : null;
        return new Instance(id, host, port, problem == null ? host + ":" + port : null, metadata,
                Show.session(n.owner()), n.created().toString(), Show.ageMillis(n.created(), now), problem);
    }

    private static Integer port(String text) {
        try {
            return text == null ? null : Integer.valueOf(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
