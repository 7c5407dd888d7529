package dev.kairos.memory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The bi-temporal semantics: a fact superseded on a date, seen now, as of before/after, and as believed back then. */
@ExtendWith(SharedGraph.class)
class TemporalFactsTest {
    static MemoryGraph graph;

    @BeforeAll
    static void open(MemoryGraph shared) {
        graph = shared;
    }

    static final Instant JAN_2020 = Instant.parse("2020-01-01T00:00:00Z");
    static final Instant MAR_2023 = Instant.parse("2023-03-01T00:00:00Z");

    @Test
    void supersededFactIsCurrentAsOfAndBelievedCorrectly() throws Exception {
        String g = "temporal";
        Fact acme = graph.addFact(NewFact.triplet(g, "Alice", "WORKS_AT", "Alice works at Acme", "Acme").withValidAt(JAN_2020));
        Instant beforeChange = Instant.now();
        while (!Instant.now().isAfter(beforeChange)) Thread.onSpinWait(); // belief time strictly after
        Fact beta = graph.addFact(NewFact.triplet(g, "Alice", "WORKS_AT", "Alice works at Beta", "Beta")
                .withValidAt(MAR_2023).superseding());

        Fact oldNow = graph.fact(acme.uuid()).orElseThrow();
        assertEquals(MAR_2023, oldNow.invalidAt(), "superseded at the new fact's valid time");
        assertNotNull(oldNow.expiredAt(), "expired in belief time");
        assertNull(beta.invalidAt());

        SearchQuery q = SearchQuery.of("Where does Alice work?").inGroups(List.of(g)).only(SearchQuery.Scope.FACTS);
        assertEquals(List.of("Alice works at Beta"), facts(graph.search(q)));
        assertEquals(List.of("Alice works at Acme"), facts(graph.search(q.asOf(Instant.parse("2021-06-01T00:00:00Z")))));
        assertEquals(List.of("Alice works at Beta"), facts(graph.search(q.asOf(Instant.parse("2024-01-01T00:00:00Z")))));
        assertEquals(List.of(), facts(graph.search(q.asOf(Instant.parse("2019-01-01T00:00:00Z")))));
        // Before the change was written we believed Acme was still current, even about 2024.
        assertEquals(List.of("Alice works at Acme"), facts(graph.search(q.beliefAsOf(beforeChange))));
        assertEquals(List.of("Alice works at Acme"),
                facts(graph.search(q.beliefAsOf(beforeChange).asOf(Instant.parse("2024-01-01T00:00:00Z")))));
        assertEquals(2, graph.search(q.includingInvalidated()).facts().size());

        Entity alice = graph.entityNamed(g, "Alice").orElseThrow();
        List<Fact> timeline = graph.timeline(alice.uuid());
        assertEquals(List.of("Alice works at Acme", "Alice works at Beta"), timeline.stream().map(Fact::fact).toList());
    }

    @Test
    void invalidateEndsAFactWithoutDeletingIt() {
        String g = "invalidate";
        Fact f = graph.addFact(NewFact.triplet(g, "Bob", "LIKES", "Bob likes green tea", "green tea").withValidAt(JAN_2020));
        Instant end = Instant.parse("2022-05-05T00:00:00Z");
        Fact ended = graph.invalidateFact(f.uuid(), end);
        assertEquals(end, ended.invalidAt());
        assertNotNull(ended.expiredAt());
        SearchQuery q = SearchQuery.of("green tea").inGroups(List.of(g)).only(SearchQuery.Scope.FACTS);
        assertTrue(graph.search(q).facts().isEmpty(), "not current any more");
        assertEquals(1, graph.search(q.asOf(Instant.parse("2021-01-01T00:00:00Z"))).facts().size());
        assertTrue(graph.fact(f.uuid()).isPresent(), "invalidated, never deleted");
        var err = assertThrows(MemoryInputException.class, () -> graph.invalidateFact(f.uuid(), Instant.parse("2019-01-01T00:00:00Z")));
        assertEquals("at", err.field());
    }

    @Test
    void factsWithAKnownEndAreNotCurrentButWereTrueThen() {
        String g = "ended";
        graph.addFact(NewFact.triplet(g, "Carol", "LIVES_IN", "Carol lived in Lisbon", "Lisbon")
                .withValidAt(JAN_2020).withInvalidAt(MAR_2023));
        SearchQuery q = SearchQuery.of("Lisbon").inGroups(List.of(g)).only(SearchQuery.Scope.FACTS);
        assertTrue(graph.search(q).facts().isEmpty());
        assertEquals(1, graph.search(q.asOf(Instant.parse("2022-01-01T00:00:00Z"))).facts().size());
        MemoryStats s = graph.stats(List.of(g));
        assertEquals(1, s.facts());
        assertEquals(0, s.currentFacts());
    }

    static List<String> facts(SearchResults r) {
        return r.facts().stream().map(h -> h.value().fact()).toList();
    }
}
