package dev.kairos.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Changing the embedder of an existing store: refused on open with a pointer to reembed; reembed rebuilds every
 * vector and index with the new model, after which search by meaning answers the same questions.
 */
class ReembedTest {
    private static final String G = "chat";
    private static final String[] TURNS = {
            "We adopted a beagle from the shelter and named him Max.",
            "My sister Clara got engaged to Marco, he proposed on a ferry.",
            "I signed up for pottery classes on Tuesdays; my first bowl came out lopsided.",
            "We just got back from Kyoto and walked through the bamboo forest at dawn.",
            "I handed in my notice; from Monday I'm a nurse at the children's hospital.",
            "The supermarket was out of oat milk again.", "Traffic was terrible on the way home today.",
            "I finally fixed the leaking tap.", "My phone screen cracked again.", "Any plans for the weekend?"};
    /** Questions in other words than their answers, each answered by one turn. */
    private static final String[][] QUESTIONS = {{"What kind of dog did they get?", TURNS[0]},
            {"Who is the sister marrying?", TURNS[1]}, {"Which new hobby involves clay?", TURNS[2]},
            {"Where did they travel in Japan?", TURNS[3]}, {"What is the new job?", TURNS[4]}};

    @Test
    void reembedRebuildsTheVectorsWithTheNewEmbedderAndSearchStillAnswers(@TempDir Path dir) {
        MemorySettings before = MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(3));
        try (MemoryGraph g = MemoryGraph.open(before)) {
            assertTrue(g.awaitReady(Duration.ofMinutes(3)).isReady(), g.status().describe());
            List<NewEpisode> eps = new ArrayList<>();
            Instant t = Instant.parse("2023-05-02T18:00:00Z");
            for (int i = 0; i < TURNS.length; i++)
                eps.add(new NewEpisode(G, "turn " + i, TURNS[i], Episode.Source.MESSAGE, "chat", t.plusSeconds(60L * i), null));
            g.addEpisodes(eps);
            g.addFact(NewFact.triplet(G, "Clara", "ENGAGED_TO", "Clara is engaged to Marco", "Marco"));
            assertAnswers(g, "before");
        }

        MemorySettings after = before.withEmbedder("bge-small-en-v1.5-q");
        try (MemoryGraph g = MemoryGraph.open(after)) {
            MemoryStatus.Failed failed = assertInstanceOf(MemoryStatus.Failed.class, g.awaitReady(Duration.ofMinutes(3)));
            assertTrue(failed.reason().contains("kairos memory reembed") && failed.reason().contains("all-minilm-l6-v2-q"), failed.reason());
        }

        AtomicLong last = new AtomicLong(-1), max = new AtomicLong();
        MemoryGraph.Reembedded done = MemoryGraph.reembed(after, null, (what, n, total) -> {
            assertTrue(n >= last.get(), "progress never goes back");
            last.set(n);
            max.set(total);
        });
        assertEquals(new MemoryGraph.Reembedded(TURNS.length, 2, 1, "bge-small-en-v1.5-q"), done);
        assertEquals(TURNS.length + 3, max.get());
        assertEquals(max.get(), last.get(), "progress reached the total");

        try (MemoryGraph g = MemoryGraph.open(after)) {
            MemoryStatus.Ready r = assertInstanceOf(MemoryStatus.Ready.class, g.awaitReady(Duration.ofMinutes(3)));
            assertEquals("bge-small-en-v1.5-q", r.embedder());
            assertAnswers(g, "after reembed");
            assertEquals("Clara is engaged to Marco", g.search(SearchQuery.of("Who will Clara marry?").inGroups(List.of(G))
                    .only(SearchQuery.Scope.FACTS).using(SearchQuery.Method.VECTOR)).factList().getFirst().fact());
            // New episodes are embedded with the new model too.
            g.addEpisode(NewEpisode.text(G, "late", "Went to a bluegrass concert on Friday, banjo and fiddle all night."));
            assertEquals("late", vectorTop(g, "What live music did they hear?").name());
        }
        // The old embedder is now the one refused.
        try (MemoryGraph g = MemoryGraph.open(before)) {
            MemoryStatus.Failed failed = assertInstanceOf(MemoryStatus.Failed.class, g.awaitReady(Duration.ofMinutes(3)));
            assertTrue(failed.reason().contains("bge-small-en-v1.5-q"), failed.reason());
        }
    }

    /** Vector-only search (no word overlap to lean on) puts each question's answer first. */
    private static void assertAnswers(MemoryGraph g, String when) {
        for (String[] q : QUESTIONS) assertEquals(q[1], vectorTop(g, q[0]).content(), when + ": " + q[0]);
    }

    private static Episode vectorTop(MemoryGraph g, String question) {
        return g.search(SearchQuery.of(question).inGroups(List.of(G)).only(SearchQuery.Scope.EPISODES)
                .using(SearchQuery.Method.VECTOR).limit(3)).episodeList().getFirst();
    }
}
