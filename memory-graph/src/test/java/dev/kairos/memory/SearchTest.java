package dev.kairos.memory;

import dev.kairos.memory.SearchQuery.Method;
import dev.kairos.memory.SearchQuery.Rerank;
import dev.kairos.memory.SearchQuery.Scope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Search ranking sanity (exact words and meaning), filters, centre entity, MMR and neighbourhood. */
@ExtendWith(SharedGraph.class)
class SearchTest {
    static final String G = "search";
    static MemoryGraph graph;

    @BeforeAll
    static void fill(MemoryGraph shared) {
        graph = shared;
        graph.upsertEntities(List.of(NewEntity.named(G, "Kim", "Person"), NewEntity.named(G, "Lee", "Person"),
                NewEntity.named(G, "Paris", "Place")));
        graph.addFacts(List.of(
                NewFact.triplet(G, "Kim", "DRINKS", "Kim drinks green tea every morning", "green tea"),
                NewFact.triplet(G, "Kim", "LIVES_IN", "Kim lives in Paris", "Paris"),
                NewFact.triplet(G, "Kim", "OWNS", "Kim owns a red bicycle", "bicycle"),
                NewFact.triplet(G, "Lee", "WORKS_ON", "Lee works on the XJ-9000 compiler project", "XJ-9000"),
                NewFact.triplet(G, "Lee", "KNOWS", "Lee knows Kim from university", "Kim"),
                NewFact.triplet(G, "Paris", "LOCATED_IN", "Paris is in France", "France"),
                NewFact.triplet(G, "Lee", "PLAYS", "Lee plays the cello in an orchestra", "cello")));
        graph.addEpisode(NewEpisode.text(G, "diary", "Today Kim cycled through Paris to buy croissants."));
        graph.addFact(NewFact.triplet("search-other", "Kim", "DRINKS", "Kim drinks coffee", "coffee"));
    }

    static List<String> facts(SearchResults r) {
        return r.facts().stream().map(h -> h.value().fact()).toList();
    }

    @Test
    void exactWordsFindTheFactFirst() {
        SearchResults r = graph.search(SearchQuery.of("XJ-9000").inGroups(List.of(G)));
        assertEquals("Lee works on the XJ-9000 compiler project", facts(r).get(0));
        SearchResults ft = graph.search(SearchQuery.of("orchestra cello").inGroups(List.of(G)).using(Method.FULLTEXT).only(Scope.FACTS));
        assertEquals(List.of("Lee plays the cello in an orchestra"), facts(ft));
    }

    @Test
    void meaningFindsTheFactWithoutSharedWords() {
        SearchResults r = graph.search(SearchQuery.of("What beverage does she have at breakfast?")
                .inGroups(List.of(G)).only(Scope.FACTS).limit(3));
        assertEquals("Kim drinks green tea every morning", facts(r).get(0));
        SearchResults vecOnly = graph.search(SearchQuery.of("musical instrument").inGroups(List.of(G))
                .using(Method.VECTOR).only(Scope.FACTS).limit(1));
        assertEquals(List.of("Lee plays the cello in an orchestra"), facts(vecOnly));
    }

    @Test
    void entitiesAndEpisodesAreFoundToo() {
        SearchResults r = graph.search(SearchQuery.of("croissants").inGroups(List.of(G)));
        assertEquals("diary", r.episodes().get(0).value().name());
        SearchResults people = graph.search(SearchQuery.of("Kim").inGroups(List.of(G)).only(Scope.ENTITIES)
                .withEntityLabels(List.of("Person")));
        assertEquals("Kim", people.entities().get(0).value().name());
        assertTrue(people.entities().stream().allMatch(h -> h.value().labels().contains("Person")));
    }

    @Test
    void groupsKeepApart() {
        assertFalse(facts(graph.search(SearchQuery.of("Kim drinks").inGroups(List.of(G)))).contains("Kim drinks coffee"));
        assertEquals(List.of("Kim drinks coffee"), facts(graph.search(SearchQuery.of("Kim drinks").inGroups(List.of("search-other")))));
        assertTrue(facts(graph.search(SearchQuery.of("Kim drinks").inGroups(List.of(G, "search-other")).limit(20))).contains("Kim drinks coffee"));
    }

    @Test
    void factNameFilter() {
        SearchResults r = graph.search(SearchQuery.of("Kim").inGroups(List.of(G)).only(Scope.FACTS).limit(20)
                .withFactNames(List.of("LIVES_IN")));
        assertEquals(List.of("Kim lives in Paris"), facts(r));
    }

    @Test
    void centreEntityRanksItsOwnFactsFirst() {
        Entity lee = graph.entityNamed(G, "Lee").orElseThrow();
        SearchResults r = graph.search(SearchQuery.of("things").inGroups(List.of(G)).only(Scope.FACTS).limit(10).around(lee.uuid()));
        assertEquals(Rerank.NODE_DISTANCE, SearchQuery.of("x").around(lee.uuid()).rerank());
        List<Hit<Fact>> hits = r.facts();
        assertTrue(hits.size() >= 3);
        for (int i = 0; i < 3; i++) {
            Fact f = hits.get(i).value();
            assertTrue(f.sourceUuid().equals(lee.uuid()) || f.targetUuid().equals(lee.uuid()), f.fact());
        }
        SearchResults noText = graph.search(new SearchQuery("", List.of(G), null, 10, null, null, null, null, false,
                lee.uuid(), null, null, 2));
        assertFalse(noText.facts().isEmpty(), "a centre alone is a query");
    }

    @Test
    void mmrReturnsDiverseResultsWithinTheLimit() {
        SearchResults r = graph.search(SearchQuery.of("Kim").inGroups(List.of(G)).only(Scope.FACTS).limit(3).rerankedBy(Rerank.MMR));
        assertEquals(3, r.facts().size());
        assertEquals(3, r.facts().stream().map(h -> h.value().uuid()).distinct().count());
    }

    @Test
    void neighbourhoodGoesNHops() {
        Entity lee = graph.entityNamed(G, "Lee").orElseThrow();
        Neighbourhood one = graph.neighbourhood(lee.uuid(), 1, false);
        assertTrue(one.entities().stream().allMatch(r -> r.hops() == 1));
        assertTrue(one.entities().stream().anyMatch(r -> r.entity().name().equals("Kim")));
        assertTrue(one.entities().stream().noneMatch(r -> r.entity().name().equals("Paris")));
        Neighbourhood two = graph.neighbourhood(lee.uuid(), 2, false);
        assertEquals(2, two.entities().stream().filter(r -> r.entity().name().equals("Paris")).findFirst().orElseThrow().hops());
        assertTrue(two.facts().size() > one.facts().size());
    }
}
