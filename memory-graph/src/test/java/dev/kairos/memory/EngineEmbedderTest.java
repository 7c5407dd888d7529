package dev.kairos.memory;

import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A graph embedded through an engine's embeddings route (the simulator computes vectors from the text in Ollama's
 * format): vector search finds by meaning, and a store made with it refuses another embedder, naming both.
 */
class EngineEmbedderTest {
    @TempDir
    Path dir;

    private static Embedder engine(EngineSimulator sim, String model, InferenceSettings.Provider provider) {
        var endpoint = new InferenceSettings.Endpoint("emb", URI.create(sim.url().toString()), model, provider,
                null, null, 4, null, null, null, null);
        return Embedder.engine(Engines.embeddings(endpoint), 0);
    }

    @Test
    void episodesAreEmbeddedByTheEngineAndAnotherEmbedderIsRefused() {
        MemorySettings settings = MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(3));
        try (EngineSimulator sim = EngineSimulator.start("sim/embeddings-ollama.json")) {
            Embedder embedder = engine(sim, "nomic-embed-text", InferenceSettings.Provider.OLLAMA);
            assertEquals("engine:ollama:" + sim.url() + ":nomic-embed-text", embedder.name());
            try (MemoryGraph g = MemoryGraph.open(settings, embedder)) {
                MemoryStatus.Ready ready = assertInstanceOf(MemoryStatus.Ready.class, g.awaitReady(Duration.ofMinutes(3)));
                assertEquals(32, ready.dimension(), "asked the engine once for its dimension");
                assertEquals(embedder.name(), ready.embedder());
                g.addEpisode(NewEpisode.text("emb", "e1", "Marguerite adopted a grey cat called Pistache"));
                g.addEpisode(NewEpisode.text("emb", "e2", "The quarterly budget review moved to Thursday"));
                // vector search alone: the query shares words with one episode only
                var hits = g.search(SearchQuery.of("grey cat Pistache").inGroups(List.of("emb"))
                        .only(SearchQuery.Scope.EPISODES).using(SearchQuery.Method.VECTOR).limit(1)).episodes();
                assertEquals("e1", hits.getFirst().value().name());
                assertTrue(sim.received("/api/embed").size() >= 4, "probe, two episodes and the query went to the engine");
            }
            // Same store, another model on the same engine: refused at start, naming both.
            try (MemoryGraph g = MemoryGraph.open(settings, engine(sim, "mxbai-embed-large", InferenceSettings.Provider.OLLAMA))) {
                MemoryStatus.Failed failed = assertInstanceOf(MemoryStatus.Failed.class, g.awaitReady(Duration.ofMinutes(3)));
                assertTrue(failed.reason().contains("nomic-embed-text") && failed.reason().contains("mxbai-embed-large"), failed.reason());
            }
        }
    }
}
