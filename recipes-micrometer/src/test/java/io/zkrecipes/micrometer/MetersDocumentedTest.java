package io.zkrecipes.micrometer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MetersDocumentedTest {

    @Test
    void everyMeter_isListedInTheMetricsGuide() throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "metrics.md"));
        List<String> missing = Arrays.stream(RecipeMeter.values()).map(m -> m.id)
                .filter(id -> !guide.contains("| `" + id + "` |")).toList();
        assertTrue(missing.isEmpty(), "meters missing from docs/metrics.md: " + missing);
    }
}
