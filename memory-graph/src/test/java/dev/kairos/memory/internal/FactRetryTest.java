package dev.kairos.memory.internal;

import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryStats;
import dev.kairos.memory.NewEntity;
import dev.kairos.memory.NewFact;
import dev.kairos.memory.SharedGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.neo4j.driver.TransactionContext;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A fact batch run twice, as the driver does after a deadlock: the first attempt is rolled back, a rival writer
 * creates an entity the batch names, and the second attempt must find that entity rather than reuse what the
 * first attempt created (the bug this guards against lost every fact naming it).
 */
@ExtendWith(SharedGraph.class)
class FactRetryTest {

    /** Thrown out of the first attempt so that the driver rolls it back. */
    private static final class Aborted extends RuntimeException {
        Aborted() {
            super("first attempt aborted by the test", null, false, false);
        }
    }

    @Test
    void aRetriedBatchResolvesNamedEntitiesAgain(MemoryGraph graph) {
        String g = "fact-retry";
        graph.addFact(NewFact.triplet(g, "Ada", "LIVES_IN", "Ada lives in Town", "Town"));
        FactWrites facts = ((Neo4jMemoryGraph) graph).factWrites();
        Bolt bolt = facts.bolt();
        AtomicReference<Object> firstAttempt = new AtomicReference<>();
        AtomicReference<String> rival = new AtomicReference<>();
        FactWrites.Attempts abortedOnce = new FactWrites.Attempts() {
            @Override
            public <T> T inWrite(Function<TransactionContext, T> work) {
                try {
                    bolt.inWrite(tx -> {
                        firstAttempt.set(work.apply(tx));
                        throw new Aborted();
                    });
                } catch (Aborted expected) {
                    // rolled back, as the loser of a deadlock is
                }
                rival.set(graph.upsertEntity(new NewEntity(g, "Newcomer", List.of("Person"), null, List.of(), Map.of(), List.of()))
                        .entity().uuid());
                return bolt.inWrite(work);
            }
        };

        List<Fact> stored = facts.withAttempts(abortedOnce).add(List.of(
                NewFact.triplet(g, "Newcomer", "MET", "Newcomer met Ada", "Ada"),
                NewFact.triplet(g, "Ada", "KNOWS", "Ada knows Newcomer", "Newcomer")));

        @SuppressWarnings("unchecked")
        String firstUuid = ((List<Fact>) firstAttempt.get()).get(0).sourceUuid();
        assertNotNull(rival.get());
        assertNotEquals(firstUuid, rival.get(), "the rival created the newcomer under its own uuid");
        assertEquals(2, stored.size());
        assertEquals(rival.get(), stored.get(0).sourceUuid());
        assertEquals(rival.get(), stored.get(1).targetUuid());
        for (Fact f : stored) assertEquals(f, graph.fact(f.uuid()).orElseThrow());
        MemoryStats stats = graph.stats(List.of(g));
        assertEquals(3, stats.facts());
        assertEquals(3, stats.entities(), "Ada, Town and one newcomer");
    }
}
