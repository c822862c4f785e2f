package io.zkrecipes.config;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** {@code .properties} text to and from a key/value map. */
final class PropertiesFiles {
    private PropertiesFiles() {
    }

    static Map<String, String> read(Reader in) throws IOException {
        Properties p = new Properties();
        p.load(in);
        Map<String, String> values = new HashMap<>();
        for (String name : p.stringPropertyNames()) {
            values.put(name, p.getProperty(name));
        }
        return values;
    }

    /** Writes {@code values} sorted by key (Properties.store writes in its entry-set order). */
    static void write(Map<String, String> values, Writer out, String root) throws IOException {
        Map<String, String> sorted = new TreeMap<>(values);
        Properties p = new Properties() {
            private static final long serialVersionUID = 1L;

            @Override
            public Set<Map.Entry<Object, Object>> entrySet() {
                Set<Map.Entry<Object, Object>> entries = new TreeSet<>((a, b) ->
                        ((String) a.getKey()).compareTo((String) b.getKey()));
                entries.addAll(super.entrySet());
                return Collections.unmodifiableSet(entries);
            }
        };
        p.putAll(sorted);
        p.store(out, "configuration under " + root);
    }
}
