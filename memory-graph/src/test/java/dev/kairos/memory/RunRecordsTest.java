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
}
