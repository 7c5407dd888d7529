package dev.kairos.memory.internal;

import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryStoreException;
import dev.kairos.memory.RunRecords;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Agent run records in Neo4j; the schema (uniqueness constraints, the owner index and the version node) is applied,
 * and a v1 store upgraded, on first use. {@code owner} null is the operator's view (every run); otherwise the view of
 * one owner.
 */
final class Runs implements RunRecords {
    private final Supplier<Bolt> bolt;
    private final Schema schema;
    private final String owner;

    Runs(Supplier<Bolt> bolt) {
        this(bolt, new Schema(), null);
    }

    private Runs(Supplier<Bolt> bolt, Schema schema, String owner) {
        this.bolt = bolt;
        this.schema = schema;
        this.owner = owner;
    }

    /** Applied once per store, shared by the owners' views. */
    private static final class Schema {
        volatile boolean applied;
    }

    @Override
    public RunRecords ownedBy(String owner) {
        if (owner == null || owner.isBlank()) {
            throw new MemoryInputException("owner", "is missing");
        }
        return new Runs(bolt, schema, owner);
    }

    private Bolt ready() {
        Bolt b = bolt.get();
        if (!schema.applied) {
            synchronized (schema) {
                if (!schema.applied) {
                    b.autoCommit("CREATE CONSTRAINT agent_run_id IF NOT EXISTS FOR (r:AgentRun) REQUIRE r.run_id IS UNIQUE", Map.of());
                    b.autoCommit("CREATE CONSTRAINT agent_session_name IF NOT EXISTS FOR (s:AgentSession) REQUIRE s.name IS UNIQUE", Map.of());
                    b.autoCommit("CREATE INDEX agent_run_owner IF NOT EXISTS FOR (r:AgentRun) ON (r.owner)", Map.of());
                    List<Record> v = b.write("""
                            MERGE (s:AgentRunSchema {id: 'runs'})
                            ON CREATE SET s.version = $version
                            RETURN s.version AS version""", Map.of("version", SCHEMA_VERSION));
                    int version = v.getFirst().get("version").asInt();
                    if (version > SCHEMA_VERSION) {
                        throw new MemoryStoreException("database " + b.database() + " has agent run schema v" + version
                                + "; this Kairos knows v" + SCHEMA_VERSION + " (upgrade Kairos)", null);
                    }
                    if (version < 2) {
                        // v1 runs have no owner: they were started by whoever ran Kairos, so they go to the local user,
                        // never to a remote token. (Reads also count a missing owner as local, for a v1 process still writing.)
                        b.write("MATCH (r:AgentRun) WHERE r.owner IS NULL SET r.owner = $local", Map.of("local", LOCAL_OWNER));
                        b.write("MATCH (s:AgentRunSchema {id: 'runs'}) WHERE s.version < $version SET s.version = $version",
                                Map.of("version", SCHEMA_VERSION));
                    }
                    schema.applied = true;
                }
            }
        }
        return b;
    }

    /** Parameters that may be null (the owner of the operator's view), which Map.of refuses. */
    private Map<String, Object> params(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        m.put("owner", owner);
        m.put("local", LOCAL_OWNER);
        return m;
    }

    /** The view's filter: every run for the operator, else the owner's (a run without one is the local user's). */
    private static final String MINE = "($owner IS NULL OR coalesce(r.owner, $local) = $owner)";

    @Override
    public void save(RunRecord run) {
        if (run.checkpoint() == null) {
            throw new MemoryInputException("checkpoint", "is missing");
        }
        String stamp = owner != null ? owner : run.owner();
        if (owner != null && run.owner() != null && !run.owner().equals(owner)) {
            throw new MemoryInputException("owner", "is not this view's owner");
        }
        List<Record> saved = ready().write("""
                MERGE (s:AgentSession {name: $session})
                MERGE (r:AgentRun {run_id: $runId})
                ON CREATE SET r.owner = coalesce($stamp, $local)
                WITH s, r WHERE %s
                SET r.session = $session, r.task = $task, r.status = $status, r.steps = $steps,
                    r.checkpoint = $checkpoint, r.updated_at = $now, r.schema_version = $version
                MERGE (s)-[:HAS_RUN]->(r)
                RETURN r.run_id AS id""".formatted(MINE), params(
                "session", run.session(), "runId", run.runId(), "task", run.task() == null ? "" : run.task(),
                "status", run.status() == null ? "" : run.status(), "steps", run.steps(), "checkpoint", run.checkpoint(),
                "now", ZonedDateTime.now(ZoneOffset.UTC), "version", SCHEMA_VERSION, "stamp", stamp));
        if (saved.isEmpty()) {
            // another owner's run: refused, and said no more about it than about any id that cannot be used
            throw new MemoryInputException("runId", "cannot be used for this run");
        }
    }

    @Override
    public Optional<RunRecord> load(String runId) {
        return ready().read("MATCH (r:AgentRun {run_id: $runId}) WHERE " + MINE + " RETURN r", params("runId", runId))
                .stream().findFirst().map(Runs::record);
    }

    @Override
    public List<RunRecord> list(int limit) {
        if (limit < 1 || limit > 10_000) {
            throw new MemoryInputException("limit", "must be in [1, 10000], was " + limit);
        }
        return ready().read("MATCH (r:AgentRun) WHERE " + MINE + " RETURN r ORDER BY r.updated_at DESC LIMIT $limit",
                        params("limit", limit))
                .stream().map(Runs::record).toList();
    }

    @Override
    public Optional<RunRecord> latestOfSession(String session) {
        return ready().read("""
                MATCH (:AgentSession {name: $session})-[:HAS_RUN]->(r:AgentRun) WHERE %s
                RETURN r ORDER BY r.updated_at DESC LIMIT 1""".formatted(MINE), params("session", session))
                .stream().findFirst().map(Runs::record);
    }

    private static RunRecord record(Record rec) {
        Value r = rec.get("r");
        return new RunRecord(r.get("run_id").asString(), r.get("session").asString(), r.get("task").asString(""),
                r.get("status").asString(""), r.get("steps").asInt(0), r.get("checkpoint").asString(null),
                r.get("updated_at").asZonedDateTime().toInstant(), r.get("owner").asString(LOCAL_OWNER));
    }
}
