package dev.kairos.memory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Every bad input gets an error naming its field; hostile strings in text fields are stored verbatim, never run. */
@ExtendWith(SharedGraph.class)
class BadInputTest {
    static MemoryGraph graph;

    @BeforeAll
    static void open(MemoryGraph shared) {
        graph = shared;
    }

    static final List<String> HOSTILE = List.of(
            "x' }) MATCH (n) DETACH DELETE n //",
            "\") DETACH DELETE n RETURN 1 //",
            "`) DETACH DELETE n //",
            "$groups ${x} {{x}} \\u0027",
            "name:* OR group_id:* AND content:[* TO *]",
            "';DROP DATABASE neo4j;--",
            "* ? ~ ^ \" \\ / ( ) [ ] { } : + - && || !",
            "Robert'); CALL db.clearQueryCaches(); //");

    @Test
    void hostileStringsInEveryTextFieldAreJustText() {
        String g = "hostile";
        Fact guard = graph.addFact(NewFact.triplet("hostile-guard", "Guard", "WATCHES", "Guard watches the gate", "Gate"));
        for (String s : HOSTILE) {
            Episode e = graph.addEpisode(new NewEpisode(g, s, s, Episode.Source.MESSAGE, s, null, null));
            assertEquals(s, graph.episode(e.uuid()).orElseThrow().content());
            EntityWrite w = graph.upsertEntity(new NewEntity(g, s, List.of(), s, List.of(s), Map.of("note", s), List.of(e.uuid())));
            assertEquals(s, w.entity().name());
            assertEquals(List.of(s), w.entity().observations());
            assertEquals(s, w.entity().attributes().get("note"));
            Fact f = graph.addFact(NewFact.triplet(g, s, "MENTIONS_TEXT", s, s + " target"));
            assertEquals(s, f.fact());
            assertEquals(List.of(s), graph.addObservations(g, s, List.of(s + "!")).stream().map(o -> o.substring(0, o.length() - 1)).toList());
            graph.deleteObservations(g, s, List.of(s));
            assertTrue(graph.entityNamed(g, s).isPresent());
            // Search with the string: no syntax error, and fulltext finds nothing it shouldn't.
            SearchResults r = graph.search(SearchQuery.of(s).inGroups(List.of(g)));
            assertNotNull(r);
        }
        assertTrue(graph.fact(guard.uuid()).isPresent(), "nothing was deleted");
        assertEquals(1, graph.stats(List.of("hostile-guard")).facts());
        assertEquals(HOSTILE.size(), graph.stats(List.of(g)).episodes());
    }

    @Test
    void groupIdsLabelsAndRelationNamesAreChecked() {
        assertField("groupId", () -> graph.addEpisode(NewEpisode.text("bad group!", "n", "c")));
        assertField("groupId", () -> graph.addFact(NewFact.triplet("a b", "A", "R", "A r B", "B")));
        assertField("groupIds[1]", () -> graph.search(SearchQuery.of("x").inGroups(List.of("ok", "no'pe"))));
        assertField("labels[0]", () -> graph.upsertEntity(NewEntity.named("g", "A", "Person`) DETACH DELETE n //")));
        assertField("labels[0]", () -> graph.upsertEntity(NewEntity.named("g", "A", "Entity")));
        assertField("source.labels[0]", () -> graph.addFact(new NewFact("g", EntityRef.name("A", "bad label"), "R", "f",
                EntityRef.name("B"), null, null, false, List.of(), null, null)));
        assertField("name", () -> graph.addFact(NewFact.triplet("g", "A", "R]->() DELETE r //", "f", "B")));
        assertField("facts[1].name", () -> graph.addFacts(List.of(NewFact.triplet("g", "A", "OK", "f", "B"),
                NewFact.triplet("g", "A", "", "f", "B"))));
        assertField("entityTypes[0]", () -> graph.search(SearchQuery.of("x").withEntityLabels(List.of("a-b"))));
        assertField("factTypes[0]", () -> graph.search(SearchQuery.of("x").withFactNames(List.of("'"))));
        assertField("attributes", () -> graph.upsertEntity(NewEntity.named("g", "A").withAttributes(Map.of("bad key", "v"))));
    }

    @Test
    void episodesMustBeNonEmptyAndWithinTheLimit() {
        assertField("content", () -> graph.addEpisode(NewEpisode.text("g", "n", "   ")));
        int limit = graph.settings().maxEpisodeChars();
        var err = assertThrows(MemoryInputException.class, () -> graph.addEpisode(NewEpisode.text("g", "n", "x".repeat(limit + 1))));
        assertEquals("content", err.field());
        assertTrue(err.getMessage().contains("the limit is " + limit), err.getMessage());
    }

    @Test
    void unknownUuidsAreNamed() {
        var e1 = assertThrows(MemoryNotFoundException.class, () -> graph.invalidateFact("no-such-fact", null));
        assertEquals("uuid", e1.field());
        var e2 = assertThrows(MemoryNotFoundException.class, () -> graph.addFact(new NewFact("g", EntityRef.id("no-such-entity"),
                "R", "f", EntityRef.name("B"), null, null, false, List.of(), null, null)));
        assertEquals("source.uuid", e2.field());
        var e3 = assertThrows(MemoryNotFoundException.class, () -> graph.addFact(NewFact.triplet("g", "A", "R", "f", "B")
                .fromEpisodes(List.of("no-such-episode"))));
        assertEquals("episodeUuids", e3.field());
        assertField("centreUuid", () -> graph.search(SearchQuery.of("x").around("bad uuid!")));
        assertThrows(MemoryNotFoundException.class, () -> graph.timeline("missing"));
        assertThrows(MemoryNotFoundException.class, () -> graph.neighbourhood("missing", 1, false));
        assertThrows(MemoryNotFoundException.class, () -> graph.markExtraction("missing", Episode.Extraction.DONE));
        assertField("uuid", () -> graph.fact("a'b"));
    }

    @Test
    void timesAndLimitsAreChecked() {
        assertField("invalidAt", () -> graph.addFact(NewFact.triplet("g", "A", "R", "f", "B")
                .withValidAt(Instant.parse("2024-01-02T00:00:00Z")).withInvalidAt(Instant.parse("2024-01-01T00:00:00Z"))));
        assertField("limit", () -> graph.search(SearchQuery.of("x").limit(1000)));
        assertField("bfsDepth", () -> graph.search(SearchQuery.of("x").bfsDepth(9)));
        assertField("query", () -> graph.search(SearchQuery.of(" ")));
        assertField("centreUuid", () -> graph.search(SearchQuery.of("x").rerankedBy(SearchQuery.Rerank.NODE_DISTANCE)));
        assertField("hops", () -> graph.neighbourhood("x", 7, false));
        assertField("embedding", () -> graph.addFact(NewFact.triplet("g", "A", "R", "f", "B").withEmbedding(new float[3])));
        Entity other = graph.upsertEntity(NewEntity.named("group-a", "Zed")).entity();
        assertField("source.uuid", () -> graph.addFact(new NewFact("group-b", EntityRef.id(other.uuid()), "R", "f",
                EntityRef.name("B"), null, null, false, List.of(), null, null)));
        assertField("centreUuid", () -> graph.search(SearchQuery.of("x").inGroups(List.of("group-b")).around(other.uuid())));
    }

    static void assertField(String field, org.junit.jupiter.api.function.Executable call) {
        MemoryInputException e = assertThrows(MemoryInputException.class, call);
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
    }
}
