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
import org.w3c.dom.Element;
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
        assertEquals(libraries, new TreeSet<>(managedArtifacts(ROOT.resolve("recipes-bom/pom.xml"))));
    }

    private static List<String> texts(Path pom, String tag) throws Exception {
        NodeList nodes = parse(pom).getElementsByTagName(tag);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            texts.add(nodes.item(i).getTextContent().trim());
        }
        return texts;
    }

    /** The artifactIds of the dependencies the pom manages (its plugins are not among them). */
    private static List<String> managedArtifacts(Path pom) throws Exception {
        NodeList dependencies = parse(pom).getElementsByTagName("dependency");
        List<String> artifacts = new ArrayList<>();
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element dependency = (Element) dependencies.item(i);
            artifacts.add(dependency.getElementsByTagName("artifactId").item(0).getTextContent().trim());
        }
        return artifacts;
    }

    private static Document parse(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }
}
