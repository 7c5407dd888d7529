package dev.kairos.memory;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Agent runs stored beside the memory under their own labels ({@code AgentRun}, {@code AgentSession},
 * schema version in {@code AgentRunSchema}): one record per run holding its latest checkpoint as
 * JSON, which this module does not read. Thread-safe; queries take parameters only.
 *
 * <p>Each run has an owner, the principal that started it. {@link #ownedBy(String)} gives the view
 * of one owner: it reads only that owner's runs (another owner's run reads exactly like a missing
 * one) and stamps new runs with the owner. The records themselves (the operator's view) see all.
 * Schema v1 had no owner: the upgrade to v2 gives those runs to {@link #LOCAL_OWNER}, the local
 * user, so no remote token ever sees them.
 */
public interface RunRecords {
    /** The schema version these records are written with (v2: runs have an owner). */
    int SCHEMA_VERSION = 2;

    /** The owner of runs started by the local user (the CLI, stdio, HTTP without tokens) and of runs stored before owners. */
    String LOCAL_OWNER = "local";

    /**
     * One run: who it belongs to, where it stands, and its checkpoint (JSON text). {@code owner} is the
     * principal that started it; null when saving through the operator's view means "keep the run's
     * owner" (the local user for a new run).
     */
    record RunRecord(String runId, String session, String task, String status, int steps, String checkpoint,
                     Instant updatedAt, String owner) {
        public RunRecord {
            if (runId == null || runId.isBlank()) {
                throw new MemoryInputException("runId", "is missing");
            }
            if (session == null || session.isBlank()) {
                throw new MemoryInputException("session", "is missing");
            }
            if (owner != null && owner.isBlank()) {
                throw new MemoryInputException("owner", "must not be blank");
            }
        }

        public RunRecord(String runId, String session, String task, String status, int steps, String checkpoint, Instant updatedAt) {
            this(runId, session, task, status, steps, checkpoint, updatedAt, null);
        }
    }

    /**
     * The runs of one owner: loads and lists see only theirs, sessions continue only from theirs, and
     * saves stamp new runs with the owner and refuse a run id that another owner holds.
     */
    RunRecords ownedBy(String owner);

    /** Commits the run's record, replacing its previous checkpoint (its owner stays); the run joins its session. */
    void save(RunRecord run);

    Optional<RunRecord> load(String runId);

    /** The most recently updated runs, newest first. */
    List<RunRecord> list(int limit);

    /** The most recently updated run of a session. */
    Optional<RunRecord> latestOfSession(String session);
}
