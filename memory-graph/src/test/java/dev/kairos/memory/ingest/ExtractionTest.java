package dev.kairos.memory.ingest;

import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.NewEpisode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Extraction steps against a real embedded graph, with the engine simulator playing scripted model answers. */
@ExtendWith(dev.kairos.memory.SharedGraph.class)
class ExtractionTest {
    private static final Engines ENGINES = new Engines();

    @AfterAll
    static void closeEngines() {
        ENGINES.close();
    }

    private static ModelForExtraction model(EngineSimulator sim) {
        var endpoint = InferenceSettings.Endpoint.of(URI.create(sim.url().toString()), "extractor")
                .withEngine(InferenceSettings.Engine.VLLM);
        return ModelForExtraction.engine(ENGINES.endpoint(endpoint), "simulated engine");
    }

    private static Episode episode(MemoryGraph g, String group, String text, String validAt) {
        return g.addEpisode(NewEpisode.text(group, "e", text).withValidAt(Instant.parse(validAt)));
    }

    private static Set<String> currentAt(MemoryGraph g, Entity e, String when) {
        Instant t = Instant.parse(when);
        return g.timeline(e.uuid()).stream().filter(f -> f.expiredAt() == null && f.validAt(t))
                .map(f -> f.name() + " " + f.targetName()).collect(Collectors.toSet());
    }

    @Test
    void theChineseExampleAnswersAsOfQueriesPerYear(MemoryGraph g) {
        try (EngineSimulator sim = EngineSimulator.start("sim/extraction-zh.json")) {
            Episode ep = episode(g, "ingest-zh", "张三2023年是开发人员，今年成为项目经理。他管理李四，并负责项目A。", "2024-06-01T00:00:00Z");
            var out = Extraction.run(g, model(sim), ep);
            assertEquals(1, out.modelCalls(), "a new group needs no contradiction check");
            assertEquals(List.of("张三", "李四", "项目A", "开发人员", "项目经理"), out.entities());
            Entity zhang = g.entityNamed("ingest-zh", "张三").orElseThrow();
            assertTrue(zhang.labels().contains("Person"), zhang.labels().toString());
            assertEquals(Set.of("WORKS_AS 开发人员"), currentAt(g, zhang, "2023-06-01T00:00:00Z"));
            assertEquals(Set.of("WORKS_AS 项目经理", "MANAGES 李四", "LEADS 项目A"), currentAt(g, zhang, "2024-06-01T00:00:00Z"));
            var body = sim.received("/v1/chat/completions").get(0).json();
            assertEquals("json_schema", body.path("response_format").path("type").asText(), body.toString());
            assertEquals(5, g.entitiesOf(ep.uuid()).size(), "the episode mentions what it produced");
        }
    }

    @Test
    void theEnglishExampleResolvesLastYearAgainstTheReferenceTime(MemoryGraph g) {
        try (EngineSimulator sim = EngineSimulator.start("sim/extraction-en.json")) {
            Episode ep = episode(g, "ingest-en", "Last year Zhang San was a developer; since 2024 he is a project manager who"
                    + " manages Li Si and leads Project A.", "2024-05-10T00:00:00Z");
            Extraction.run(g, model(sim), ep);
            Entity zhang = g.entityNamed("ingest-en", "Zhang San").orElseThrow();
            Fact dev = g.timeline(zhang.uuid()).stream().filter(f -> f.targetName().equals("developer")).findFirst().orElseThrow();
            assertEquals(Instant.parse("2023-01-01T00:00:00Z"), dev.validAt());
            assertEquals(Set.of("WORKS_AS developer"), currentAt(g, zhang, "2023-07-01T00:00:00Z"));
            assertEquals(Set.of("WORKS_AS project manager", "MANAGES Li Si", "LEADS Project A"), currentAt(g, zhang, "2024-07-01T00:00:00Z"));
        }
    }

    @Test
    void aLaterContradictionEndsTheOldFactAndLeavesUnrelatedOnes(MemoryGraph g) {
        try (EngineSimulator sim = EngineSimulator.start("sim/extraction-contradiction.json")) {
            ModelForExtraction m = model(sim);
            Extraction.run(g, m, episode(g, "ingest-x", "Alice works at Acme. Bob lives in Paris.", "2023-03-01T00:00:00Z"));
            var second = Extraction.run(g, m, episode(g, "ingest-x", "Alice joined Beta last month.", "2024-02-15T00:00:00Z"));
            assertEquals(2, second.modelCalls(), "extraction plus one contradiction check");
            Entity alice = g.entityNamed("ingest-x", "Alice").orElseThrow();
            assertTrue(g.entityNamed("ingest-x", "alice").isEmpty(), "'alice' resolved to the existing Alice");
            Fact acme = g.timeline(alice.uuid()).stream().filter(f -> f.targetName().equals("Acme")).findFirst().orElseThrow();
            assertEquals(Instant.parse("2024-01-01T00:00:00Z"), acme.invalidAt());
            Fact beta = g.timeline(alice.uuid()).stream().filter(f -> f.targetName().equals("Beta")).findFirst().orElseThrow();
            assertNull(beta.invalidAt());
            Entity bob = g.entityNamed("ingest-x", "Bob").orElseThrow();
            Fact paris = g.timeline(bob.uuid()).get(0);
            assertNull(paris.invalidAt(), "an unrelated fact of the group is untouched");
            assertNull(paris.expiredAt());
            String check = sim.received("/v1/chat/completions").get(2).body();
            assertTrue(check.contains("Acme"), check);
            assertFalse(check.contains("Paris"), "only facts sharing an entity are compared: " + check);
        }
    }

    @Test
    void aHopelessAnswerFailsWithTheRawAnswerAndARetryWorks(MemoryGraph g) {
        try (EngineSimulator sim = EngineSimulator.start("sim/extraction-hopeless.json")) {
            ModelForExtraction m = model(sim);
            Episode ep = episode(g, "ingest-fail", "Carol moved to Lyon two days ago.", "2024-03-10T00:00:00Z");
            var failed = assertThrows(Extraction.Failed.class, () -> Extraction.run(g, m, ep));
            assertEquals("Here you go: entities are Carol and Lyon.", failed.rawAnswer());
            assertEquals(2, sim.received("/v1/chat/completions").size(), "one repair turn, then failed");
            assertTrue(sim.received("/v1/chat/completions").get(1).body().contains("could not be used"));
            var out = Extraction.run(g, m, ep);
            Fact lyon = out.facts().get(0);
            assertEquals(Instant.parse("2024-03-08T00:00:00Z"), lyon.validAt());
            assertEquals(List.of(ep.uuid()), lyon.episodes());
        }
    }
}
