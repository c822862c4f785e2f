package io.zkrecipes.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What belongs to one test (or to one test class, for clients made in {@code @BeforeAll}): its
 * namespace and everything to close when it ends.
 */
final class TestScope implements AutoCloseable {
    private final String namespace;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    private final AtomicBoolean namespaceCreated = new AtomicBoolean();

    /** Namespaces are unique within the JVM, so reused servers never mix tests' nodes. */
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    /** The scope of a test class: {@code t-<Class>-<n>}. */
    static TestScope forClass(ExtensionContext context) {
        return new TestScope("t-" + context.getRequiredTestClass().getSimpleName() + "-"
                + NAMESPACES.incrementAndGet());
    }

    /** The scope of a test method: {@code t-<Class>-<method>-<n>}. */
    static TestScope forTest(ExtensionContext context) {
        return new TestScope("t-" + context.getRequiredTestClass().getSimpleName() + "-"
                + context.getRequiredTestMethod().getName() + "-" + NAMESPACES.incrementAndGet());
    }

    private TestScope(String namespace) {
        this.namespace = namespace;
    }

    String namespace() {
        return namespace;
    }

    /** Returns true the first time only: whoever gets true creates the namespace node. */
    boolean markNamespaceCreated() {
        return namespaceCreated.compareAndSet(false, true);
    }

    /** Closes {@code resource} when the scope ends, before anything registered earlier. */
    synchronized <T extends AutoCloseable> T register(T resource) {
        resources.push(resource);
        return resource;
    }

    /** Closes everything, last registered first; the first failure is thrown, later ones suppressed. */
    @Override
    public void close() throws Exception {
        Exception failure = null;
        while (true) {
            AutoCloseable next;
            synchronized (this) {
                next = resources.poll();
            }
            if (next == null) {
                break;
            }
            try {
                next.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
