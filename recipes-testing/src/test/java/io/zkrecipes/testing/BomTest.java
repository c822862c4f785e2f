package io.zkrecipes.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** The bill of materials names every library module of the build, and nothing else. */
@Timeout(10)
class BomTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void bom_managesEveryLibraryModuleOfTheBuild() throws Exception {
        TreeSet<String> libraries = new TreeSet<>();
        for (String module : texts(ROOT.resolve("pom.xml"), "module")) {
            if (module.startsWith("recipes-") && !module.equals("recipes-bom")) {
                libraries.add(module);
            }
        }
        TreeSet<String> managed = new TreeSet<>(texts(ROOT.resolve("recipes-bom/pom.xml"), "artifactId"));
        managed.remove("recipes-bom");
        assertEquals(libraries, managed);
    }

    private static List<String> texts(Path pom, String tag) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        NodeList nodes = doc.getElementsByTagName(tag);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            texts.add(nodes.item(i).getTextContent().trim());
        }
        return texts;
    }
}
