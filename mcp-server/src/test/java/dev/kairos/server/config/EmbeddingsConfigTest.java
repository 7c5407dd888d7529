package dev.kairos.server.config;

import dev.kairos.inference.InferenceSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code memory.embeddings}: an engine's embeddings beside the in-process default, and errors that name the key. */
class EmbeddingsConfigTest {
    @TempDir
    Path dir;

    private KairosConfig load(String yaml) throws Exception {
        Files.writeString(dir.resolve("kairos.yaml"), yaml);
        return ConfigLoader.load(null, Map.of(), dir);
    }

    private String error(String yaml) throws Exception {
        KairosConfig c = load(yaml);
        return assertThrows(ConfigException.class, () -> EmbeddingsConfig.endpoint(c)).getMessage();
    }

    @Test
    void withoutTheSectionTheInProcessModel() throws Exception {
        assertTrue(EmbeddingsConfig.embedder(load("memory: {}\n")).isEmpty());
    }

    @Test
    void anEngineUrlWithItsModelAndWireFormat() throws Exception {
        var r = EmbeddingsConfig.endpoint(load("""
                memory:
                  embeddings: {endpoint: "http://127.0.0.1:11434", model: nomic-embed-text, provider: ollama, dimensions: 768}
                """)).orElseThrow();
        assertEquals(InferenceSettings.Provider.OLLAMA, r.endpoint().provider());
        assertEquals(768, r.dimensions());
        var embedder = EmbeddingsConfig.embedder(load("memory:\n  embeddings: {endpoint: \"http://127.0.0.1:8000/v1\", model: bge-small}\n"))
                .orElseThrow();
        assertEquals("engine:openai:http://127.0.0.1:8000:bge-small", embedder.name(), "the store's embedder identity");
    }

    @Test
    void anInferenceEndpointByName() throws Exception {
        var r = EmbeddingsConfig.endpoint(load("""
                inference:
                  endpoints: [{name: local, url: "http://127.0.0.1:8000", model: qwen}]
                memory:
                  embeddings: {endpoint: local, model: bge-small}
                """)).orElseThrow();
        assertEquals("bge-small", r.endpoint().model());
        assertEquals("http://127.0.0.1:8000", r.endpoint().url().toString());
    }

    @Test
    void errorsNameTheKey() throws Exception {
        assertTrue(error("memory:\n  embeddings: {endpoint: \"http://127.0.0.1:8000\"}\n").contains("memory.embeddings.model"));
        assertTrue(error("memory:\n  embeddings: {model: bge}\n").contains("memory.embeddings.endpoint"));
        assertTrue(error("memory:\n  embeddings: {endpoint: nowhere, model: bge}\n").contains("'nowhere'"));
        assertTrue(error("memory:\n  embeddings: {endpoint: \"http://h:1\", model: bge, provider: grpc}\n").contains("memory.embeddings.provider"));
        assertTrue(error("memory:\n  embeddings: {endpoint: \"http://h:1\", model: bge, dimensions: 0}\n").contains("memory.embeddings.dimensions"));
        assertTrue(error("memory:\n  embeddings: {endpoint: \"http://h:1\", model: bge, dims: 3}\n").contains("memory.embeddings.dims"));
        String both = error("memory:\n  embedder: all-minilm-l6-v2-q\n  embeddings: {endpoint: \"http://h:1\", model: bge}\n");
        assertTrue(both.contains("memory.embedder") && both.contains("memory.embeddings.endpoint"), both);
    }
}
