package dev.kairos.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SharedGraph.class)
class RunRecordsTest {
    @Test
    void aRunRecordIsReplacedOnSaveListedNewestFirstAndFoundBySession(MemoryGraph graph) {
        RunRecords runs = graph.runs();
        runs.save(new RunRecords.RunRecord("rr-1", "rr-session", "task one", "RUNNING", 1, "{\"step\":1}", null));
        runs.save(new RunRecords.RunRecord("rr-1", "rr-session", "task one", "ANSWERED", 2, "{\"step\":2}", null));
        runs.save(new RunRecords.RunRecord("rr-2", "rr-session", "task two", "RUNNING", 0, "{\"step\":0}", null));
        RunRecords.RunRecord one = runs.load("rr-1").orElseThrow();
        assertEquals("ANSWERED", one.status());
        assertEquals("{\"step\":2}", one.checkpoint());
        List<String> ids = runs.list(100).stream().map(RunRecords.RunRecord::runId).filter(id -> id.startsWith("rr-")).toList();
        assertEquals(List.of("rr-2", "rr-1"), ids);
        assertEquals("rr-2", runs.latestOfSession("rr-session").orElseThrow().runId());
        assertTrue(runs.load("rr-none").isEmpty());
        assertTrue(runs.latestOfSession("no-session").isEmpty());
        MemoryInputException e = assertThrows(MemoryInputException.class,
                () -> runs.save(new RunRecords.RunRecord("rr-3", "s", "t", "RUNNING", 0, null, null)));
        assertTrue(e.getMessage().contains("checkpoint"));
    }

    @Test
    void anOwnersViewSeesOnlyItsRunsAndCannotTakeAnotherOwnersRunId(MemoryGraph graph) {
        RunRecords all = graph.runs();
        RunRecords alice = all.ownedBy("own-alice");
        RunRecords bob = all.ownedBy("own-bob");
        alice.save(new RunRecords.RunRecord("own-1", "own-shared", "alice's task", "RUNNING", 1, "{\"a\":1}", null));
        bob.save(new RunRecords.RunRecord("own-2", "own-shared", "bob's task", "RUNNING", 1, "{\"b\":1}", null));
        all.save(new RunRecords.RunRecord("own-3", "own-cli", "the operator's task", "RUNNING", 1, "{\"c\":1}", null));

        assertEquals("own-alice", alice.load("own-1").orElseThrow().owner());
        assertTrue(bob.load("own-1").isEmpty(), "another owner's run reads like a missing one");
        assertEquals(List.of("own-2"), bob.list(100).stream().map(RunRecords.RunRecord::runId).toList());
        assertEquals("own-1", alice.latestOfSession("own-shared").orElseThrow().runId(), "alice continues her own conversation");
        assertEquals("own-2", bob.latestOfSession("own-shared").orElseThrow().runId());
        assertEquals(RunRecords.LOCAL_OWNER, all.load("own-3").orElseThrow().owner(), "the operator's new runs are the local user's");
        assertEquals("own-3", all.ownedBy(RunRecords.LOCAL_OWNER).load("own-3").orElseThrow().runId());

        // a save through another owner's view neither overwrites nor takes the run
        MemoryInputException taken = assertThrows(MemoryInputException.class,
                () -> bob.save(new RunRecords.RunRecord("own-1", "own-shared", "bob's", "RUNNING", 2, "{\"x\":1}", null)));
        assertTrue(taken.getMessage().contains("runId"), taken.getMessage());
        assertEquals("{\"a\":1}", all.load("own-1").orElseThrow().checkpoint());
        // the operator resuming alice's run keeps her the owner
        all.save(new RunRecords.RunRecord("own-1", "own-shared", "alice's task", "ANSWERED", 2, "{\"a\":2}", null));
        assertEquals("own-alice", all.load("own-1").orElseThrow().owner());
        assertEquals("{\"a\":2}", alice.load("own-1").orElseThrow().checkpoint());
    }
}
