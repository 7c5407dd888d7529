package dev.kairos.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code memory.extraction}: where extraction's model comes from, and errors that name the key. */
class ExtractionConfigTest {
    @TempDir
    Path dir;

    private ExtractionConfig.Resolved resolve(String yaml) throws Exception {
        Files.writeString(dir.resolve("kairos.yaml"), yaml);
        return ExtractionConfig.resolve(ConfigLoader.load(null, Map.of(), dir));
    }

    private String error(String yaml) throws Exception {
        Files.writeString(dir.resolve("kairos.yaml"), yaml);
        return assertThrows(ConfigException.class, () -> ExtractionConfig.resolve(ConfigLoader.load(null, Map.of(), dir))).getMessage();
    }

    private static final String INFERENCE = """
            inference:
              endpoints:
                - {name: big, url: "http://127.0.0.1:8000", model: large-model, parallel_slots: 8}
                - {name: little, url: "http://127.0.0.1:8001", model: small-model, role: small, parallel_slots: 2}
            """;

    @Test
    void anExplicitEndpointWinsOverTheInferenceSection() throws Exception {
        var r = resolve(INFERENCE + "memory:\n  extraction:\n    endpoint: http://127.0.0.1:9000/v1\n    model: extractor\n    engine: vllm\n");
        assertEquals("http://127.0.0.1:9000/v1", r.endpoint().url().toString());
        assertEquals("extractor", r.endpoint().model());
        assertEquals("memory.extraction.endpoint", r.from());
        assertTrue(r.describe().contains("extractor"), r.describe());
    }

    @Test
    void anEndpointMayNameAnInferenceEndpoint() throws Exception {
        var r = resolve(INFERENCE + "memory:\n  extraction:\n    endpoint: big\n");
        assertEquals("large-model", r.endpoint().model());
        assertEquals(8, r.parallelGroups(), "bounded by the engine's slots");
    }

    @Test
    void withoutOneTheSmallModelOfTheInferenceSectionThenItsFirst() throws Exception {
        var small = resolve(INFERENCE);
        assertEquals("small-model", small.endpoint().model());
        assertTrue(small.from().contains("small"), small.from());
        assertEquals(2, small.parallelGroups());
        var first = resolve("inference:\n  endpoints:\n    - {url: \"http://127.0.0.1:8000\", model: only}\n");
        assertEquals("only", first.endpoint().model());
    }

    @Test
    void withoutAnyEngineTheSamplingClientOrNothing() throws Exception {
        var sampling = resolve("memory: {}\n");
        assertNull(sampling.endpoint());
        assertTrue(sampling.sampling());
        assertTrue(sampling.describe().contains("sampling"), sampling.describe());
        var none = resolve("memory:\n  extraction:\n    sampling: false\n");
        assertFalse(none.sampling());
        assertTrue(none.describe().contains("memory.extraction.sampling"), none.describe());
        assertFalse(resolve("memory:\n  extraction:\n    enabled: false\n").enabled());
    }

    @Test
    void errorsNameTheKey() throws Exception {
        assertTrue(error("memory:\n  extraction:\n    endpoint: http://127.0.0.1:9000\n").contains("memory.extraction.model"));
        assertTrue(error("memory:\n  extraction:\n    model: m\n").contains("memory.extraction.endpoint"));
        String unknown = error("memory:\n  extraction:\n    endpoint: nowhere\n");
        assertTrue(unknown.contains("memory.extraction.endpoint") && unknown.contains("nowhere"), unknown);
        assertTrue(error("memory:\n  extraction:\n    endpoint: http://127.0.0.1:9000\n    model: m\n    engine: turbo\n")
                .contains("memory.extraction.engine"));
        assertTrue(error("memory:\n  extraction:\n    max_attempts: 0\n").contains("memory.extraction.max_attempts"));
        assertTrue(error("memory:\n  extraction:\n    endpiont: http://x\n").contains("memory.extraction.endpiont"));
        assertTrue(error("memory:\n  extraction: yes\n").contains("memory.extraction"));
    }
}
