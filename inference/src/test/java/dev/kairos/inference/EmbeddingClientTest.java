package dev.kairos.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.InferenceSettings.Provider;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Embeddings over each engine's wire format, played by the simulator: order, request shape, retries and bad answers. */
class EmbeddingClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TEXTS = List.of("Alice lives in Berlin", "Bob likes green tea", "Alice lives in Berlin");

    private static Endpoint endpoint(EngineSimulator sim, Provider provider) {
        return new Endpoint("emb", URI.create(sim.url() + (provider == Provider.OPENAI ? "/v1" : "")), "bge-small", provider,
                null, null, 4, null, null, null, new InferenceSettings.Retry(3, Duration.ofMillis(10), Duration.ofMillis(50)));
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) dot += a[i] * b[i];
        return dot;
    }

    private static void assertVectors(List<float[]> v) {
        assertEquals(3, v.size());
        assertEquals(32, v.get(0).length);
        assertArrayEquals(v.get(0), v.get(2), "the same text, the same vector");
        assertTrue(cosine(v.get(0), v.get(1)) < 0.9, "different texts differ");
    }

    @Test
    void vllmAndLlamaCppSpeakTheOpenAiFormat() throws Exception {
        for (String script : List.of("sim/embeddings-vllm.json", "sim/embeddings-llamacpp.json")) {
            try (EngineSimulator sim = EngineSimulator.start(script)) {
                assertVectors(Engines.embeddings(endpoint(sim, Provider.OPENAI)).embed(TEXTS));
                var body = sim.received("/v1/embeddings").getFirst().json();
                assertEquals("bge-small", body.path("model").asText());
                assertEquals(3, body.path("input").size(), "one request for all the texts");
                assertEquals("float", body.path("encoding_format").asText());
            }
        }
    }

    @Test
    void ollamaSpeaksApiEmbed() {
        try (EngineSimulator sim = EngineSimulator.start("sim/embeddings-ollama.json")) {
            assertVectors(Engines.embeddings(endpoint(sim, Provider.OLLAMA)).embed(TEXTS));
            var body = sim.received("/api/embed").getFirst().json();
            assertEquals("bge-small", body.path("model").asText());
            assertEquals(3, body.path("input").size());
        }
    }

    @Test
    void vectorsArePlacedByIndexNotByPosition() throws Exception {
        // An engine may answer out of order: index says which input a vector belongs to.
        ObjectNode routes = JSON.createObjectNode();
        routes.putArray("POST /v1/embeddings").addObject().set("json", JSON.readTree("""
                {"object": "list", "model": "m", "data": [
                  {"index": 1, "object": "embedding", "embedding": [0.0, 1.0]},
                  {"index": 0, "object": "embedding", "embedding": [1.0, 0.0]}]}"""));
        try (EngineSimulator sim = EngineSimulator.start(routes, 0)) {
            List<float[]> v = Engines.embeddings(endpoint(sim, Provider.OPENAI)).embed(List.of("first", "second"));
            assertArrayEquals(new float[]{1f, 0f}, v.get(0));
            assertArrayEquals(new float[]{0f, 1f}, v.get(1));
        }
    }

    @Test
    void aBusyEngineIsRetriedAndABadAnswerIsNamed() throws Exception {
        ObjectNode routes = JSON.createObjectNode();
        var list = routes.putArray("POST /v1/embeddings");
        list.addObject().put("status", 503).putObject("json").putObject("error").put("message", "busy");
        list.addObject().put("embeddings", "vllm").put("dimensions", 8);
        try (EngineSimulator sim = EngineSimulator.start(routes, 0)) {
            assertEquals(8, Engines.embeddings(endpoint(sim, Provider.OPENAI)).embed(List.of("x")).getFirst().length);
            assertEquals(2, sim.received("/v1/embeddings").size());
        }
        ObjectNode bad = JSON.createObjectNode();
        bad.putArray("POST /v1/embeddings").addObject().set("json", JSON.readTree("{\"object\": \"list\", \"results\": []}"));
        try (EngineSimulator sim = EngineSimulator.start(bad, 0)) {
            var e = assertThrows(EngineException.Rejected.class, () -> Engines.embeddings(endpoint(sim, Provider.OPENAI)).embed(List.of("x")));
            assertTrue(e.getMessage().contains("'data'"), e.getMessage());
        }
    }
}
