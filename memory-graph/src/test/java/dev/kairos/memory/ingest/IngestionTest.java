package dev.kairos.memory.ingest;

import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.NewEpisode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The durable ingest queue in Neo4j worked by {@link Ingestion}, with the engine simulator as the model. */
@ExtendWith(dev.kairos.memory.SharedGraph.class)
class IngestionTest {
    private static final Engines ENGINES = new Engines();
    /** Each test serves only its own group: the graph is shared with other test classes. */
    private static Ingestion.Settings only(String group) {
        return new Ingestion.Settings(2, 3, Duration.ofMillis(100), Duration.ofMillis(100), List.of(group));
    }

    @AfterAll
    static void closeEngines() {
        ENGINES.close();
    }

    private static Optional<ModelForExtraction> model(EngineSimulator sim) {
        var endpoint = InferenceSettings.Endpoint.of(URI.create(sim.url().toString()), "extractor")
                .withEngine(InferenceSettings.Engine.VLLM);
        return Optional.of(ModelForExtraction.engine(ENGINES.endpoint(endpoint), "simulated engine"));
    }

    private static void await(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos(); // generous: a loaded 2-core machine is slow
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            Thread.onSpinWait();
            try {
                Thread.sleep(20); // polling with a deadline, not synchronisation
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static Episode add(MemoryGraph g, String group, String text, String at) {
        return g.addEpisode(NewEpisode.text(group, "e", text).withValidAt(Instant.parse(at)));
    }

    @Test
    void aGroupIsWorkedInValidTimeOrderSoTheLaterFactSupersedes(MemoryGraph g) {
        // Stored out of order: the 2024 episode first. The queue still takes 2023 first.
        add(g, "queue-order", "Alice joined Beta last month.", "2024-02-15T00:00:00Z");
        add(g, "queue-order", "Alice works at Acme. Bob lives in Paris.", "2023-03-01T00:00:00Z");
        try (EngineSimulator sim = EngineSimulator.start("sim/extraction-contradiction.json");
             Ingestion ingestion = Ingestion.start(g, () -> model(sim), "no model", only("queue-order"))) {
            ingestion.wake();
            await("both episodes done", () -> g.ingestQueue().counts(List.of("queue-order")).done() == 2);
            Fact acme = g.timeline(g.entityNamed("queue-order", "Alice").orElseThrow().uuid()).stream()
                    .filter(f -> f.targetName().equals("Acme")).findFirst().orElseThrow();
            assertEquals(Instant.parse("2024-01-01T00:00:00Z"), acme.invalidAt());
            assertTrue(ingestion.describe().contains("simulated engine"), ingestion.describe());
        }
    }

    @Test
    void aFailedEpisodeKeepsTheRawAnswerAndRetryCompletesIt(MemoryGraph g) {
        Episode ep = add(g, "queue-fail", "Carol moved to Lyon two days ago.", "2024-03-10T00:00:00Z");
        try (EngineSimulator sim = EngineSimulator.start("sim/extraction-hopeless.json");
             Ingestion ingestion = Ingestion.start(g, () -> model(sim), "no model", only("queue-fail"))) {
            await("the episode failed", () -> g.ingestQueue().counts(List.of("queue-fail")).failed() == 1);
            IngestQueue.Entry e = g.ingestQueue().entry(ep.uuid()).orElseThrow();
            assertEquals("Here you go: entities are Carol and Lyon.", e.rawAnswer());
            assertTrue(e.lastError().contains("unusable"), e.lastError());
            assertEquals(List.of(ep.uuid()), g.ingestQueue().failed(List.of("queue-fail"), 10).stream().map(IngestQueue.Entry::episodeUuid).toList());
            assertEquals(1, g.ingestQueue().requeueFailed(List.of("queue-fail")));
            ingestion.wake();
            await("the retried episode done", () -> g.ingestQueue().counts(List.of("queue-fail")).done() == 1);
            assertTrue(g.entityNamed("queue-fail", "Lyon").isPresent());
        }
    }

    @Test
    void anEpisodeLeftProcessingByAStoppedProcessIsDoneAfterRestart(MemoryGraph g) {
        Episode ep = add(g, "queue-resume", "Last year Zhang San was a developer.", "2024-05-10T00:00:00Z");
        // A process claimed it and died before finishing.
        assertEquals(ep.uuid(), g.ingestQueue().claimNext("queue-resume").orElseThrow().uuid());
        assertEquals(Episode.Extraction.PROCESSING, g.episode(ep.uuid()).orElseThrow().extraction());
        try (EngineSimulator sim = EngineSimulator.start("sim/extraction-en.json");
             Ingestion ingestion = Ingestion.start(g, () -> model(sim), "no model", only("queue-resume"))) {
            await("the interrupted episode done", () -> g.episode(ep.uuid()).orElseThrow().extraction() == Episode.Extraction.DONE);
            assertEquals(2, g.ingestQueue().entry(ep.uuid()).orElseThrow().attempts());
        }
    }

    @Test
    void withoutAModelEpisodesStayPendingAndStatusSaysWhy(MemoryGraph g) {
        Episode ep = add(g, "queue-nomodel", "Dave likes tea.", "2024-01-01T00:00:00Z");
        try (Ingestion ingestion = Ingestion.start(g, Optional::empty, "no extraction endpoint and no sampling client", only("queue-nomodel"))) {
            await("status names the reason", () -> ingestion.describe().contains("no extraction endpoint"));
            assertEquals(Episode.Extraction.PENDING, g.episode(ep.uuid()).orElseThrow().extraction());
        }
    }
}
