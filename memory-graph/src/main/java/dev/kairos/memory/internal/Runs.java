package dev.kairos.memory.internal;

import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryStoreException;
import dev.kairos.memory.RunRecords;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** Agent run records in Neo4j; the schema (a uniqueness constraint and the version node) is applied on first use. */
final class Runs implements RunRecords {
    private final Supplier<Bolt> bolt;
    private volatile boolean schemaApplied;

    Runs(Supplier<Bolt> bolt) {
        this.bolt = bolt;
    }

    private Bolt ready() {
        Bolt b = bolt.get();
        if (!schemaApplied) {
            synchronized (this) {
                if (!schemaApplied) {
                    b.autoCommit("CREATE CONSTRAINT agent_run_id IF NOT EXISTS FOR (r:AgentRun) REQUIRE r.run_id IS UNIQUE", Map.of());
                    b.autoCommit("CREATE CONSTRAINT agent_session_name IF NOT EXISTS FOR (s:AgentSession) REQUIRE s.name IS UNIQUE", Map.of());
                    List<Record> v = b.write("""
                            MERGE (s:AgentRunSchema {id: 'runs'})
                            ON CREATE SET s.version = $version
                            RETURN s.version AS version""", Map.of("version", SCHEMA_VERSION));
                    int version = v.getFirst().get("version").asInt();
                    if (version > SCHEMA_VERSION) {
                        throw new MemoryStoreException("database " + b.database() + " has agent run schema v" + version
                                + "; this Kairos knows v" + SCHEMA_VERSION + " (upgrade Kairos)", null);
                    }
                    schemaApplied = true;
                }
            }
        }
        return b;
    }

    @Override
    public void save(RunRecord run) {
        if (run.checkpoint() == null) {
            throw new MemoryInputException("checkpoint", "is missing");
        }
        ready().write("""
                MERGE (s:AgentSession {name: $session})
                MERGE (r:AgentRun {run_id: $runId})
                SET r.session = $session, r.task = $task, r.status = $status, r.steps = $steps,
                    r.checkpoint = $checkpoint, r.updated_at = $now, r.schema_version = $version
                MERGE (s)-[:HAS_RUN]->(r)""", Map.of(
                "session", run.session(), "runId", run.runId(), "task", run.task() == null ? "" : run.task(),
                "status", run.status() == null ? "" : run.status(), "steps", run.steps(), "checkpoint", run.checkpoint(),
                "now", ZonedDateTime.now(ZoneOffset.UTC), "version", SCHEMA_VERSION));
    }

    @Override
    public Optional<RunRecord> load(String runId) {
        return ready().read("MATCH (r:AgentRun {run_id: $runId}) RETURN r", Map.of("runId", runId))
                .stream().findFirst().map(Runs::record);
    }

    @Override
    public List<RunRecord> list(int limit) {
        if (limit < 1 || limit > 10_000) {
            throw new MemoryInputException("limit", "must be in [1, 10000], was " + limit);
        }
        return ready().read("MATCH (r:AgentRun) RETURN r ORDER BY r.updated_at DESC LIMIT $limit", Map.of("limit", limit))
                .stream().map(Runs::record).toList();
    }

    @Override
    public Optional<RunRecord> latestOfSession(String session) {
        return ready().read("""
                MATCH (:AgentSession {name: $session})-[:HAS_RUN]->(r:AgentRun)
                RETURN r ORDER BY r.updated_at DESC LIMIT 1""", Map.of("session", session))
                .stream().findFirst().map(Runs::record);
    }

    private static RunRecord record(Record rec) {
        Value r = rec.get("r");
        return new RunRecord(r.get("run_id").asString(), r.get("session").asString(), r.get("task").asString(""),
                r.get("status").asString(""), r.get("steps").asInt(0), r.get("checkpoint").asString(null),
                r.get("updated_at").asZonedDateTime().toInstant());
    }
}
