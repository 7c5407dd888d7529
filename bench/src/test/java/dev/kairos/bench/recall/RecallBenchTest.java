package dev.kairos.bench.recall;

import dev.kairos.bench.recall.Conversations.Conversation;
import dev.kairos.bench.recall.Conversations.Question;
import dev.kairos.bench.recall.Conversations.Turn;
import dev.kairos.bench.recall.Conversations.Type;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recall benchmark's data and scorer. */
class RecallBenchTest {

    @Test
    void dataIsLongDatedDeterministicAndEveryQuestionHasKnownEvidence() {
        List<Conversation> a = Conversations.generate(42, 10, 12, 30);
        assertEquals(a, Conversations.generate(42, 10, 12, 30), "same seed, same data");
        Set<Type> types = EnumSet.noneOf(Type.class);
        Set<String> ids = new HashSet<>();
        for (Conversation c : a) {
            assertTrue(c.turns().size() >= 300, c.id() + " has " + c.turns().size() + " turns");
            assertTrue(c.turns().stream().map(Turn::session).distinct().count() >= 10);
            for (int i = 1; i < c.turns().size(); i++) assertTrue(c.turns().get(i).at().isAfter(c.turns().get(i - 1).at()));
            Set<String> own = new HashSet<>();
            for (Turn t : c.turns()) {
                assertTrue(ids.add(t.id()), "turn ids are unique: " + t.id());
                own.add(t.id());
            }
            for (Question q : c.questions()) {
                types.add(q.type());
                assertTrue(!q.evidence().isEmpty() && own.containsAll(q.evidence()), q.id() + " evidence is in its conversation");
                for (String e : q.evidence()) {
                    Turn t = c.turns().stream().filter(x -> x.id().equals(e)).findFirst().orElseThrow();
                    assertTrue(!t.at().isAfter(q.askedAt()), q.id() + " is asked after its evidence");
                }
            }
        }
        assertEquals(EnumSet.allOf(Type.class), types);
    }

    @Test
    void scorerCountsTheShareOfEvidenceInTheTopK() {
        assertEquals(0.5, RecallScore.recall(List.of("x", "a", "y"), Set.of("a", "b"), 2));
        assertEquals(0.0, RecallScore.recall(List.of("x", "y", "a"), Set.of("a"), 2));
        assertEquals(1.0, RecallScore.recall(List.of("b", "a"), Set.of("a", "b"), 10));
        RecallScore s = new RecallScore(1, 10);
        s.add(new Question("q1", Type.TEMPORAL, "?", Instant.EPOCH, Set.of("a")), List.of("a"));
        s.add(new Question("q2", Type.TEMPORAL, "?", Instant.EPOCH, Set.of("a")), List.of("b", "a"));
        assertEquals(50.0, s.percent(Type.TEMPORAL, 0), 1e-9);
        assertEquals(100.0, s.percent(Type.TEMPORAL, 1), 1e-9);
        assertTrue(Double.isNaN(s.percent(Type.MULTI_HOP, 0)));
    }

    /** A question that repeats its evidence word for word is found by every method through Kairos's own indexes. */
    @Test
    void aPlantedQuestionIsFoundByEveryMethod(@TempDir Path dir) {
        Conversation c = Conversations.generate(7, 1, 10, 30).getFirst();
        Turn planted = c.turns().get(c.turns().size() / 2);
        List<Turn> turns = new ArrayList<>(c.turns());
        Turn marker = new Turn(planted.id(), planted.session(), planted.at(), planted.speaker(),
                "My grandmother Philippa's zeppelin collection fills the whole attic with brass propellers.");
        turns.set(turns.indexOf(planted), marker);
        Question q = new Question("planted", Type.SINGLE_HOP, "Philippa's zeppelin collection brass propellers attic",
                turns.getLast().at(), Set.of(marker.id()));
        List<Conversations.Planted> names = new ArrayList<>(c.entities());
        names.add(new Conversations.Planted("Philippa", "Person"));
        Conversation planted1 = new Conversation(c.id(), c.person(), c.friend(), turns, List.of(q), names);
        assertEquals(List.of(new Conversations.Planted(planted.speaker(), "Person"), new Conversations.Planted("Philippa", "Person")),
                planted1.mentionedIn(marker), "a turn mentions its speaker and the planted names in its text");
        try (MemoryGraph graph = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(3)))) {
            assertTrue(graph.awaitReady(Duration.ofMinutes(3)).isReady(), graph.status().describe());
            RecallBench.store(graph, List.of(planted1));
            assertTrue(RecallBench.mention(graph, List.of(planted1)) >= c.turns().size() / 2, "every turn of the person mentions them");
            Map<String, RecallScore> scores = RecallBench.run(graph, List.of(planted1), RecallBench.SETUPS);
            for (var e : scores.entrySet()) assertEquals(100.0, e.getValue().percent(0), 1e-9, e.getKey() + " finds the planted turn in its top 5");
            assertTrue(RecallBench.table(scores).contains("| BM25 only |"));
        }
    }
}
