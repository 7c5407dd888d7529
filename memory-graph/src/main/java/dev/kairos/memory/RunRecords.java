package dev.kairos.memory;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Agent runs stored beside the memory under their own labels ({@code AgentRun}, {@code AgentSession},
 * schema version in {@code AgentRunSchema}): one record per run holding its latest checkpoint as
 * JSON, which this module does not read. Thread-safe; queries take parameters only.
 */
public interface RunRecords {
    /** The schema version these records are written with. */
    int SCHEMA_VERSION = 1;

    /** One run: who it belongs to, where it stands, and its checkpoint (JSON text). */
    record RunRecord(String runId, String session, String task, String status, int steps, String checkpoint,
                     Instant updatedAt) {
        public RunRecord {
            if (runId == null || runId.isBlank()) {
                throw new MemoryInputException("runId", "is missing");
            }
            if (session == null || session.isBlank()) {
                throw new MemoryInputException("session", "is missing");
            }
        }
    }

    /** Commits the run's record, replacing its previous checkpoint; the run joins its session. */
    void save(RunRecord run);

    Optional<RunRecord> load(String runId);

    /** The most recently updated runs, newest first. */
    List<RunRecord> list(int limit);

    /** The most recently updated run of a session. */
    Optional<RunRecord> latestOfSession(String session);
}
