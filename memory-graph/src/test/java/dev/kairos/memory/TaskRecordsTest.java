package dev.kairos.memory;

import dev.kairos.memory.TaskRecords.TaskRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SharedGraph.class)
class TaskRecordsTest {
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private static TaskRecord task(String id, String owner, String instance, Instant beat) {
        return new TaskRecord(id, owner, "agent_run", "working", null, "{\"v\":1}", Set.of(), instance, beat, beat, beat, 3_600_000);
    }

    @Test
    void aTaskIsOnlyItsOwnersAndOnlyItsInstanceUpdatesIt(MemoryGraph graph) {
        TaskRecords tasks = graph.tasks();
        String id = UUID.randomUUID().toString();
        tasks.create(task(id, "alice", "i-1", T0));
        assertTrue(tasks.find(id, "bob").isEmpty(), "another owner's task does not exist for them");
        assertFalse(tasks.answer(id, "bob", Map.of("k", "{}"), T0));
        assertFalse(tasks.cancel(id, "bob", T0));

        TaskRecord u = tasks.update(id, "i-1", "input_required", "asking", "{\"v\":2}", T0.plusSeconds(1)).orElseThrow();
        assertEquals("input_required", u.status());
        assertEquals("{\"v\":2}", u.detail());
        TaskRecord beat = tasks.update(id, "i-1", "input_required", "asking", null, T0.plusSeconds(1).plusMillis(500)).orElseThrow();
        assertEquals("{\"v\":2}", beat.detail(), "a heartbeat without a detail keeps the stored one");
        assertEquals(u.updatedAt(), beat.updatedAt(), "a heartbeat that changes nothing is not an update");
        assertEquals(T0.plusSeconds(1).plusMillis(500), beat.heartbeatAt());
        TaskRecord other = tasks.update(id, "i-2", "completed", null, "{\"v\":3}", T0.plusSeconds(2)).orElseThrow();
        assertEquals("input_required", other.status(), "an instance that does not hold the task changes nothing");

        assertTrue(tasks.answer(id, "alice", Map.of("first", "{\"action\":\"accept\"}"), T0));
        assertEquals(Set.of("first"), tasks.find(id, "alice").orElseThrow().answeredKeys());
        assertEquals(Map.of("first", "{\"action\":\"accept\"}"), tasks.takeAnswers(id));
        assertEquals(Map.of(), tasks.takeAnswers(id), "answers are taken once");

        assertTrue(tasks.cancel(id, "alice", T0.plusSeconds(3)));
        assertEquals("cancelled", tasks.find(id, "alice").orElseThrow().status());
        TaskRecord late = tasks.update(id, "i-1", "completed", null, "{\"v\":4}", T0.plusSeconds(4)).orElseThrow();
        assertEquals("cancelled", late.status(), "a late result does not overwrite the cancel");
    }

    @Test
    void onlyOneOfConcurrentClaimsTakesAStaleTaskAndAFreshOneIsNotTaken(MemoryGraph graph) throws Exception {
        TaskRecords tasks = graph.tasks();
        String stale = UUID.randomUUID().toString();
        String fresh = UUID.randomUUID().toString();
        tasks.create(task(stale, "alice", "dead", T0.minusSeconds(60)));
        tasks.create(task(fresh, "alice", "alive", T0));
        assertTrue(tasks.claim(fresh, "i-x", T0.minusSeconds(5), T0).isEmpty());

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Optional<TaskRecord>>> claims = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String instance = "i-" + i;
                Callable<Optional<TaskRecord>> claim = () -> tasks.claim(stale, instance, T0.minusSeconds(5), T0);
                claims.add(pool.submit(claim));
            }
            List<String> winners = new ArrayList<>();
            for (Future<Optional<TaskRecord>> f : claims) {
                f.get().ifPresent(t -> winners.add(t.instance()));
            }
            assertEquals(1, winners.size(), "exactly one instance takes the task over: " + winners);
            assertEquals(winners.getFirst(), tasks.find(stale, "alice").orElseThrow().instance());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void expiredTasksAreDeleted(MemoryGraph graph) {
        TaskRecords tasks = graph.tasks();
        String old = UUID.randomUUID().toString();
        tasks.create(new TaskRecord(old, "alice", "t", "completed", null, "{}", Set.of(), "i", T0.minus(Duration.ofHours(3)),
                T0.minus(Duration.ofHours(3)), T0.minus(Duration.ofHours(3)), 3_600_000));
        String recent = UUID.randomUUID().toString();
        tasks.create(task(recent, "alice", "i", T0));
        assertTrue(tasks.deleteExpired(T0) >= 1);
        assertTrue(tasks.find(old, "alice").isEmpty());
        assertTrue(tasks.find(recent, "alice").isPresent());
    }
}
