package dev.kairos.memory;

import dev.kairos.memory.SearchQuery.Method;
import dev.kairos.memory.SearchQuery.Scope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Retrieval through the entities a query names (MENTIONS edges, as extraction fills them) and time windows whose edge
 * is an event of the memory ("before I moved to Reykjavik"), on a real embedded Neo4j.
 */
@ExtendWith(SharedGraph.class)
class EntityAndEventSearchTest {
    static final String G = "entity-search", OTHER = "entity-search-other";
    static MemoryGraph graph;
    static Episode lunch, otherLunch, pottery, move, choir;

    private static Episode at(String group, String content, String day) {
        return graph.addEpisode(new NewEpisode(group, "note", content, Episode.Source.TEXT, "diary",
                Instant.parse(day + "T12:00:00Z"), null));
    }

    @BeforeAll
    static void fill(MemoryGraph shared) {
        graph = shared;
        // The lunch never says her name; extraction linked it to her (what an extraction model does from context).
        lunch = at(G, "Had lunch with my old colleague at the harbour, she is thinking of leaving the firm.", "2023-01-10");
        at(G, "The train was late again this morning, twenty minutes standing on the platform.", "2023-01-11");
        at(G, "Bought a new lamp for the reading corner.", "2023-01-12");
        at(G, "Grandma called about the birthday plans for next month.", "2023-01-13");
        pottery = at(G, "Started pottery classes on Thursday evenings.", "2023-02-01");
        move = at(G, "We moved to Reykjavik last weekend, the flat is tiny but bright.", "2023-04-10");
        choir = at(G, "Joined a choir that rehearses in the old church on Mondays.", "2023-06-01");
        graph.upsertEntities(List.of(NewEntity.named(G, "Greta Lindqvist", "Person").mentionedIn(List.of(lunch.uuid())),
                NewEntity.named(G, "Reykjavik", "Place").mentionedIn(List.of(move.uuid()))));
        // The same name in another group must not lead there.
        otherLunch = at(OTHER, "Coffee with my old colleague.", "2023-01-10");
        graph.upsertEntities(List.of(NewEntity.named(OTHER, "Greta Lindqvist", "Person").mentionedIn(List.of(otherLunch.uuid()))));
    }

    private static List<String> episodes(SearchQuery q) {
        return graph.search(q.inGroups(List.of(G)).only(Scope.EPISODES)).episodeList().stream().map(Episode::uuid).toList();
    }

    @Test
    void anEpisodeIsFoundOnlyThroughAnEntityItMentions() {
        String question = "What did Greta Lindqvist tell me?";
        assertFalse(episodes(SearchQuery.of(question).using(Method.FULLTEXT)).contains(lunch.uuid()),
                "no word of the question is in the episode");
        assertEquals(List.of(lunch.uuid()), episodes(SearchQuery.of(question).using(Method.ENTITIES)));
        assertEquals(lunch.uuid(), episodes(SearchQuery.of(question)).getFirst(), "hybrid puts it first");
        // Names are matched whole, in any case and with a possessive.
        assertEquals(List.of(lunch.uuid()), episodes(SearchQuery.of("greta lindqvist's plans").using(Method.ENTITIES)));
        assertEquals(List.of(), episodes(SearchQuery.of("What did Greta tell me?").using(Method.ENTITIES)),
                "a part of a name is not the name");
        assertEquals(List.of(otherLunch.uuid()), graph.search(SearchQuery.of(question).inGroups(List.of(OTHER))
                .only(Scope.EPISODES).using(Method.ENTITIES)).episodeList().stream().map(Episode::uuid).toList());
        // The named entity is an entity result as well.
        assertEquals("Greta Lindqvist", graph.search(SearchQuery.of(question).inGroups(List.of(G)).only(Scope.ENTITIES)
                .using(Method.ENTITIES)).entities().getFirst().value().name());
    }

    @Test
    void anEventOfTheMemoryIsTheEdgeOfTheTimeWindow() {
        Instant asked = Instant.parse("2023-12-01T09:00:00Z");
        List<String> before = episodes(SearchQuery.of("What classes did I take before we moved to Reykjavik?").at(asked)
                .using(Method.TIME).limit(20));
        assertTrue(before.contains(pottery.uuid()), "pottery began before the move");
        assertFalse(before.contains(choir.uuid()) || before.contains(move.uuid()), "nothing from the move on");
        List<String> after = episodes(SearchQuery.of("What classes did I take after we moved to Reykjavik?").at(asked)
                .using(Method.TIME).limit(20));
        assertTrue(after.contains(choir.uuid()));
        assertFalse(after.contains(pottery.uuid()));
        // An event the memory does not hold gives no window: the time method alone then finds nothing.
        assertEquals(List.of(), episodes(SearchQuery.of("What did I do after we adopted the ferret?").at(asked).using(Method.TIME)));
        // Asked before the move happened, the move is not known yet.
        assertEquals(List.of(), episodes(SearchQuery.of("What classes did I take before we moved to Reykjavik?")
                .at(Instant.parse("2023-03-01T00:00:00Z")).using(Method.TIME)));
    }
}
